from django.urls import path

from reprostore.web import access_pages, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<str:project>/compare/", views.compare, name="compare"),
    path("projects/<str:project>/access/", views.project_access, name="project_access"),
    path("permissions/packets/", access_pages.packets_permissions, name="packets_permissions"),
    path("account/tokens/", access_pages.token_list, name="tokens"),
    path("packets/", views.packet_index, name="packets"),
    path("packets/<str:name>/", views.packet_index, name="packet_group"),
    path("packets/<str:name>/<str:packet_id>/", views.packet_detail, name="packet"),
    path(
        "packets/<str:name>/<str:packet_id>/files/<path:path>",
        views.packet_file,
        name="packet_file",
    ),
    path(
        "packets/<str:name>/<str:packet_id>/download/<path:path>",
        views.packet_download,
        name="packet_download",
    ),
]
