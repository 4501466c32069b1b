from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reprostore.accounts.login import LoginView
from reprostore.core import views as core_views

urlpatterns = [
    path("health", core_views.health, name="health"),
    path("openapi.json", core_views.openapi, name="openapi"),
    path("metrics", core_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("reprostore.embed_urls")),
]
