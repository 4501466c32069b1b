"""The Django admin for Sumatra projects: their grants, records (read-only) and history."""

from django.contrib import admin

from reprostore.records.models import Project, ProjectPermission, Record, Revision


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
    """Records and revisions are what Sumatra sent: changed through the API, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["label", "project", "action", "user", "created"]
    list_filter = ["action", "project"]
    search_fields = ["label"]
    list_select_related = ["project", "user"]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False
