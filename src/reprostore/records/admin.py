"""The Django admin for Sumatra projects: their grants, records (read-only) and history."""

from django.contrib import admin, messages

from reprostore.lib.http import HttpError
from reprostore.records.models import Project, ProjectPermission, Purge, Record, Revision
from reprostore.records.purge import do_purge_record, do_purge_revision


class ProjectPermissionInline(admin.TabularInline):
    model = ProjectPermission
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "long_name", "public", "created_by", "created"]
    list_filter = ["public"]
    search_fields = ["name", "long_name", "description"]
    readonly_fields = ["created", "created_by"]
    inlines = [ProjectPermissionInline]


@admin.register(ProjectPermission)
class ProjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "level"]
    list_filter = ["level", "project"]
    search_fields = ["project__name", "user__username"]
    autocomplete_fields = ["project", "user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records and revisions are what Sumatra sent: changed through the API, never by hand; a
    superuser may only purge them (records/purge.py)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_purge_permission(self, request):
        return request.user.is_active and request.user.is_superuser


def purge_each(modeladmin, request, objects, purge) -> None:
    """Purge each object, saying what was done and what was refused (and why)."""
    purged = 0
    for each in objects:
        try:
            purge(each)
            purged += 1
        except HttpError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
    if purged:
        modeladmin.message_user(request, f"Purged {purged}; see Purges for the audit entries.")


@admin.action(
    description="Purge the selected records and every revision of them (cannot be undone)",
    permissions=["purge"],
)
def purge_records(modeladmin, request, queryset):
    by = request.user.get_username()
    purge_each(
        modeladmin,
        request,
        queryset.select_related("project"),
        lambda record: do_purge_record(request.user, by, record.project.name, record.label),
    )


@admin.action(
    description="Purge the documents of the selected revisions (cannot be undone)",
    permissions=["purge"],
)
def purge_revisions(modeladmin, request, queryset):
    by = request.user.get_username()
    purge_each(
        modeladmin,
        request,
        queryset,
        lambda revision: do_purge_revision(request.user, by, revision.pk),
    )


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ["label", "project", "timestamp", "outcome", "duration", "final"]
    list_filter = ["final", "project"]
    search_fields = ["label", "reason", "outcome"]
    date_hierarchy = "timestamp"
    list_select_related = ["project"]
    # Counting every record of a large store on each change-list page is the slow part.
    show_full_result_count = False
    exclude = ["body"]
    actions = [purge_records]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["label", "project", "action", "user", "created"]
    list_filter = ["action", "project"]
    search_fields = ["label"]
    list_select_related = ["project", "user"]
    show_full_result_count = False
    actions = [purge_revisions]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Purge)
class PurgeAdmin(admin.ModelAdmin):
    """The audit of purges: who removed what and when; never changed or removed."""

    list_display = ["created", "purged_by", "what", "project", "label", "revision", "documents"]
    list_filter = ["what"]
    search_fields = ["project", "label", "purged_by", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
