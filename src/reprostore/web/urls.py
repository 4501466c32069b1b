from django.urls import path

from reprostore.web import access_pages, exports, plot_pages, record_editing, suggestions, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<str:project>/compare/", views.compare, name="compare"),
    path("projects/<str:project>/access/", views.project_access, name="project_access"),
    path("projects/<str:project>/tags/", record_editing.tag_records, name="tag_records"),
    path(
        "projects/<str:project>/records/<str:label>/edit/",
        record_editing.edit_record,
        name="edit_record",
    ),
    path(
        "projects/<str:project>/records/<str:label>/delete/",
        record_editing.delete_record,
        name="delete_record",
    ),
    path("projects/<str:project>/plot/", plot_pages.plot, name="plot"),
    path("projects/<str:project>/plot/data/", plot_pages.plot_data, name="plot_data"),
    path(
        "projects/<str:project>/search/suggest/",
        suggestions.project_suggestions,
        name="project_suggestions",
    ),
    path("search/suggest/packets/", suggestions.packet_suggestions, name="packet_suggestions"),
    path("permissions/packets/", access_pages.packets_permissions, name="packets_permissions"),
    path("account/tokens/", access_pages.token_list, name="tokens"),
    path("compare/packets/", views.packet_compare, name="packet_compare"),
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
    path(
        "packets/<str:name>/<str:packet_id>/prov/",
        exports.packet_provenance,
        name="packet_provenance",
    ),
    path("packets/<str:name>/<str:packet_id>/crate.zip", exports.packet_crate, name="packet_crate"),
]
