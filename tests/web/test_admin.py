"""Superusers manage users, projects and their grants in the Django admin."""

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/auth/user/",
        "/admin/records/project/",
        "/admin/records/projectpermission/",
        "/admin/records/record/",
        "/admin/records/revision/",
        "/admin/accounts/apitoken/",
    ],
)
def test_admin_pages_open(client, cast, records, url):
    client.force_login(cast.admin)
    assert client.get(url).status_code == 200


def test_a_project_page_in_the_admin_lists_its_grants(client, cast):
    client.force_login(cast.admin)
    page = client.get(f"/admin/records/project/{cast.project.pk}/change/").content.decode()
    assert "permissions-TOTAL_FORMS" in page


def test_records_are_read_only_in_the_admin(client, cast, records):
    client.force_login(cast.admin)
    record = records.first()
    assert client.get("/admin/records/record/add/").status_code == 403
    response = client.post(f"/admin/records/record/{record.pk}/change/", {"label": "renamed"})
    assert response.status_code == 403


def test_people_without_staff_status_get_no_admin(client, cast):
    client.force_login(cast.owner)
    assert client.get("/admin/records/project/").status_code == 302
