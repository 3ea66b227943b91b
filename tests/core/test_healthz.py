from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_with_the_database_reachable_answers_200_without_login(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_with_the_database_unreachable_answers_503(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=DatabaseError("server closed the connection"),
    ):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
