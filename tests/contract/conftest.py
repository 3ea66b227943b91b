"""Requests captured from the app's real HTTP traffic, held against Faraday's models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from faraday_admin.catalog.api_models import get_api_models
from tests.web import create_helpers
from tests.web.conftest import make_role_user


class ContractFaraday(create_helpers.FakeFaraday):
    """respx playing Faraday: creates echo the body; one stored connection can be read and
    patched. Every write it receives is kept with its media type."""

    def store(self, resource: dict[str, Any]) -> None:
        path = f"/connections/{resource['id']}"
        self.router.get(path).respond(200, json=resource)
        self.router.get(f"{path}/datasets").respond(200, json=[])
        self.router.get(f"{path}/targets").respond(200, json=[])
        self.router.patch(path).respond(200, json=resource)

    def writes(self) -> list[tuple[str, str, Any]]:
        """(method, media type, JSON body) of every POST and PATCH, in order."""
        return [
            (
                call.request.method,
                call.request.headers.get("Content-Type", ""),
                json.loads(call.request.content),
            )
            for call in self.router.calls
            if call.request.method in ("POST", "PATCH")
        ]


@pytest.fixture
def contract_faraday() -> Iterator[ContractFaraday]:
    with create_helpers.fake_faraday() as fake:
        yield ContractFaraday(fake.router)


@pytest.fixture
def onboarder_client(db) -> Client:
    client = Client()
    client.force_login(make_role_user("Onboarder"))
    return client


def conforms(body: Any, model: str) -> list[str]:
    """What the models refuse in `body` (empty when it conforms), as readable lines."""
    return [f"{p.path}: {p.message}" for p in get_api_models().problems(body, model)]
