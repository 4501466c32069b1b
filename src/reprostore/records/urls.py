from django.urls import path

from reprostore.records import views

app_name = "records"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("<str:project>/", views.project, name="project"),
    path("<str:project>/last/", views.last_record, name="last"),
    path("<str:project>/permissions/", views.permissions, name="permissions"),
    path("<str:project>/tag/<str:tag>/", views.tagged, name="tagged"),
    path("<str:project>/<str:label>/", views.record, name="record"),
]
