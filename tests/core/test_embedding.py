"""The apps work inside an existing Django project: INSTALLED_APPS plus one include()."""

import subprocess
import sys
import textwrap

import pytest

HOST_SETTINGS = """
SECRET_KEY = "host"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = "hostproject.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "{db}"}}
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles",
    "reprostore.accounts", "reprostore.records", "reprostore.packets", "reprostore.query",
    "reprostore.web",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reprostore.accounts.middleware.CredentialsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "reprostore.accounts.backends.CachedPasswordBackend",
    "reprostore.accounts.backends.TokenBackend",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                          "django.contrib.auth.context_processors.auth"]}}]
STATIC_URL = "static/"
REPROSTORE_ROOT = "{root}"
"""

HOST_URLS = """
from django.urls import include, path
from django.http import HttpResponse

urlpatterns = [
    path("", lambda request: HttpResponse("the host's own page")),
    path("provenance/", include("reprostore.embed_urls")),
]
"""

CHECK = """
import base64, json, django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
User.objects.create_user("host", password="pw")
auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"host:pw").decode()}
client = Client()
assert client.get("/").content == b"the host's own page"
r = client.put("/provenance/records/Embedded/", b"{}", content_type="application/json", **auth)
assert r.status_code == 201, r.content
r = client.get("/provenance/records/", HTTP_ACCEPT="application/json", **auth)
assert [p["id"] for p in json.loads(r.content)] == ["Embedded"], r.content
assert json.loads(r.content)[0]["uri"] == "http://testserver/provenance/records/Embedded/"
r = client.get("/provenance/outpack/")
assert r.status_code == 401 and json.loads(r.content)["status"] == "failure", r.content
User.objects.create_superuser("root", password="pw")
root = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"root:pw").decode()}
r = client.get("/provenance/outpack/", **root)
assert r.status_code == 200 and json.loads(r.content)["status"] == "success", r.content
r = client.get("/provenance/packit/api/outpack/", **root)
assert r.status_code == 200 and json.loads(r.content)["status"] == "success", r.content
print("embedded ok")
"""


@pytest.mark.nodb
def test_the_apps_run_inside_a_host_project(tmp_path):
    from reprostore.packets.root import init_root

    init_root(tmp_path / "root")
    package = tmp_path / "hostproject"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(
        HOST_SETTINGS.replace("{db}", str(tmp_path / "host.sqlite3")).replace(
            "{root}", str(tmp_path / "root")
        )
    )
    (package / "urls.py").write_text(HOST_URLS)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hostproject.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHECK)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "embedded ok" in result.stdout
