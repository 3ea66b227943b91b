"""The detail page's "Finish on your side" step: what the customer's IT must do after Faraday
created the connection — install Faraday's public key (Snowflake, ClickHouse) or grant access
(service accounts, bucket policies, SSH bastions) — with the exact command, filled in."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings

from faraday_admin.catalog import ConnectionType
from faraday_admin.catalog.setup_guides import (
    Command,
    clickhouse_identifier,
    clickhouse_literal,
    snowflake_literal,
    sql_identifier,
)
from faraday_admin.connections.models import KeyInstallMark
from faraday_admin.connections.setup_guides import setup_guide
from faraday_admin.faraday_client import Connection

# The option that carries Faraday's public key, per key-pair type (read-only, not secret).
KEY_OPTIONS = {"snowflake": "rsa_public_key", "clickhouse": "ssh_public_key"}
# Guide families whose access is granted on the customer's side after creation.
GRANTED_FAMILIES = frozenset({"bigquery", "gcs", "s3", "sftp"})

_PEM_LINE = re.compile(r"-----(BEGIN|END) [A-Z ]+-----")


def snowflake_key_body(pem: str) -> str:
    """The PEM's base64 body on one line: no header, footer or line breaks (Snowflake's form)."""
    return "".join(_PEM_LINE.sub("", pem).split())


def clickhouse_key_base64(openssh: str) -> str:
    """The base64 part of "ssh-ed25519 AAAA… comment"; "" for anything else."""
    parts = openssh.split()
    return parts[1] if len(parts) >= 2 and parts[0] == "ssh-ed25519" else ""


@dataclass(frozen=True)
class FinishStep:
    kind: str  # "key" or "grant"
    commands: tuple[Command, ...]
    key_sha256: str = ""  # the key this step installs ("" for grants)
    done: bool = False  # someone said the key is installed
    key_missing: bool = False  # a key-pair connection whose key Faraday hasn't sent


def _key_command(connection: Connection) -> tuple[Command | None, str]:
    option = KEY_OPTIONS[connection.type]
    key = connection.options.get(option)
    if not isinstance(key, str) or not key.strip():
        return None, ""
    user = str(connection.options.get("user") or "")
    user_missing = () if user else ("user",)
    if connection.type == "snowflake":
        body = snowflake_key_body(key)
        who = sql_identifier(user) if user else "<user>"
        text = f"ALTER USER {who} SET RSA_PUBLIC_KEY={snowflake_literal(body)};"
        title = "Install Faraday's key for the Snowflake user"
    else:
        body = clickhouse_key_base64(key)
        if not body:
            return None, ""
        who = clickhouse_identifier(user) if user else "<user>"
        text = (
            f"CREATE USER {who} IDENTIFIED WITH ssh_key BY KEY {clickhouse_literal(body)} "
            "TYPE 'ssh-ed25519';"
        )
        title = "Create the ClickHouse user with Faraday's key"
    return Command(title, "sql", text, user_missing), hashlib.sha256(key.encode()).hexdigest()


def finish_step(
    connection: Connection, connection_type: ConnectionType | None
) -> FinishStep | None:
    """The step for this connection, or None when nothing is left to do on the customer's side."""
    if connection_type is None or connection.managed:
        return None
    if connection.type in KEY_OPTIONS:
        command, key_sha256 = _key_command(connection)
        if command is None:
            return FinishStep(kind="key", commands=(), key_missing=True)
        done = KeyInstallMark.objects.filter(
            faraday_id=connection.id, key_sha256=key_sha256
        ).exists()
        return FinishStep(kind="key", commands=(command,), key_sha256=key_sha256, done=done)
    guide = setup_guide(connection_type, connection.options)
    commands: list[Command] = []
    if guide is not None and guide.guide.family.key in GRANTED_FAMILIES:
        commands.extend(guide.commands)
    bastion = connection.options.get("ssh_bastion")
    if bastion and connection_type.field("ssh_bastion") is not None:
        key = settings.FARADAY_SSH_PUBLIC_KEY
        missing = () if key else ("Faraday's SSH public key (ask Faraday support)",)
        commands.append(
            Command(
                f"Line to add to ~/.ssh/authorized_keys of {bastion.split('@')[0]} on the bastion",
                "text",
                key or "<Faraday's SSH public key (ask Faraday support)>",
                missing,
            )
        )
    return FinishStep(kind="grant", commands=tuple(commands)) if commands else None


def waiting_for_key(connection: Connection, step: FinishStep | None) -> bool:
    """An `error` while Faraday's key isn't installed yet is a step to do, not a failure."""
    return bool(
        step is not None
        and step.kind == "key"
        and not step.done
        and not step.key_missing
        and connection.status == "error"
    )


def key_install_mark(*, connection: Connection, step: FinishStep, user) -> None:
    """Record that the person installed this key (a rotation's new key has no mark)."""
    KeyInstallMark.objects.get_or_create(
        faraday_id=connection.id,
        key_sha256=step.key_sha256,
        defaults={"marked_by_username": user.get_username()},
    )
