"""The site's URLs plus the top-level catch for location URLs without their trailing slash,
as the lead is asked to mount them in reprostore/urls.py."""

from django.urls import include, path

from reprostore.packets.urls import misjoined_urlpatterns
from reprostore.urls import urlpatterns as site

urlpatterns = [path("", include(misjoined_urlpatterns)), *site]
