app_name = "packets"

urlpatterns = []
