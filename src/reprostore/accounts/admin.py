"""API tokens in the Django admin: listed and revoked there, issued with `reprostore token`
(a token's secret is shown once, when it is made, and only its digest is kept)."""

from django.contrib import admin

from reprostore.accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "digest", "created"]

    def has_add_permission(self, request):
        return False
