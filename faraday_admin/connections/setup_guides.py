"""The setup guide shown beside the create form: the catalog's guide data filled with what the
person typed (never a secret) and with Faraday's own values from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from faraday_admin.catalog import ConnectionType, FieldSpec
from faraday_admin.catalog.setup_guides import Command, Guide, fill, get_guides


@dataclass(frozen=True)
class SetupGuide:
    guide: Guide
    connection_type: ConnectionType
    ask_for: tuple[FieldSpec, ...]
    commands: tuple[Command, ...]
    ip_addresses: tuple[str, ...]
    ssh_public_key: str
    has_bastion_field: bool


def guide_facts() -> dict[str, str]:
    """Faraday's values from settings, by the names the guide data uses ("" when not set)."""

    def member(account: str) -> str:
        return f"serviceAccount:{account}" if account else ""

    return {
        "aws_datasets_principal": settings.FARADAY_AWS_DATASETS_PRINCIPAL,
        "aws_targets_principal": settings.FARADAY_AWS_TARGETS_PRINCIPAL,
        "gcp_member": member(settings.FARADAY_GCP_SERVICE_ACCOUNT),
        "bigquery_member": member(settings.FARADAY_BIGQUERY_SERVICE_ACCOUNT),
        "ssh_public_key": settings.FARADAY_SSH_PUBLIC_KEY,
    }


def setup_guide(connection_type: ConnectionType, values: Mapping[str, Any]) -> SetupGuide | None:
    """The type's guide, its commands filled with the non-secret `values`; None without a guide."""
    guide = get_guides().get(connection_type.type)
    if guide is None:
        return None
    typed = {
        name: value
        for name, value in values.items()
        if (spec := connection_type.field(name)) is not None and not spec.secret
    }
    facts = guide_facts()
    return SetupGuide(
        guide=guide,
        connection_type=connection_type,
        ask_for=connection_type.fields,
        commands=tuple(fill(c, connection_type, typed, facts) for c in guide.family.commands),
        ip_addresses=tuple(settings.FARADAY_IP_ADDRESSES),
        ssh_public_key=settings.FARADAY_SSH_PUBLIC_KEY,
        has_bastion_field=connection_type.field("ssh_bastion") is not None,
    )


def setup_guide_for_form(form) -> SetupGuide | None:
    """The guide for a create form, filled from what it holds (bound data, else its initial)."""
    if form is None:
        return None
    source = form.data if form.is_bound else form.initial
    values = {name: source.get(name) for name in (f.name for f in form.connection_type.fields)}
    return setup_guide(
        form.connection_type, {k: v for k, v in values.items() if v not in (None, "")}
    )
