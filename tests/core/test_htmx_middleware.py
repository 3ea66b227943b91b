import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX_FROM_LIST = {"HX-Request": "true", "HX-Current-URL": "http://testserver/connections/?q=shop"}


def test_htmx_request_after_the_session_expired_sends_the_browser_to_login(client):
    response = client.get(reverse("connections:rows") + "?ids=abc", headers=HTMX_FROM_LIST)

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/connections/%3Fq%3Dshop"
    assert b"<html" not in response.content


def test_plain_request_without_a_session_still_redirects_to_login(client):
    response = client.get(reverse("connections:list"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_htmx_request_answered_with_403_reloads_the_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))

    response = client.get(reverse("connections:list"), headers=HTMX_FROM_LIST)

    assert response.status_code == 403
    assert response["HX-Refresh"] == "true"


def test_plain_403_has_no_htmx_header(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))

    response = client.get(reverse("connections:list"))

    assert response.status_code == 403
    assert "HX-Refresh" not in response
