"""The list's rows rendered in Python give the HTML the template partial gave, escaped alike."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.utils import timezone

from faraday_admin.connections.selectors import ConnectionRow
from faraday_admin.faraday_client import Connection
from tests.payloads import listed_connection_json

# The partial as it was (connection_list.html before the tag), kept as the reference.
REFERENCE = """{% load humanize %}{% for row in rows %}
<tr id="row-{{ row.connection.id }}"{% if oob %} hx-swap-oob="true"{% endif %}>
  {# The id lets htmx give focus back to the new link when a status update replaces this row. #}
  <th scope="row"><a id="open-{{ row.connection.id }}" href="{% url 'connections:detail' row.connection.id %}">{{ row.connection.name }}</a></th>
  <td>{{ row.type_label }}</td>
  <td>{% with connection=row.connection %}{% if connection.is_archived %}<span class="badge badge-archived"><span class="icon" aria-hidden="true">▣</span> Archived</span>{% endif %}
<span class="badge badge-{{ connection.status }}">{% if connection.status == "new" %}<span class="icon" aria-hidden="true">○</span> New{% elif connection.status == "starting" %}<span class="icon" aria-hidden="true">◔</span> Starting{% elif connection.status == "running" %}<span class="icon" aria-hidden="true">◑</span> Running{% elif connection.status == "ready" %}<span class="icon" aria-hidden="true">✓</span> Ready{% elif connection.status == "error" %}<span class="icon" aria-hidden="true">✕</span> Error{% else %}<span class="icon" aria-hidden="true">?</span> {{ connection.status|capfirst }}{% endif %}</span>
{% endwith %}
    {% if row.connection.status == "error" %}<p class="row-error">{{ row.connection.status_error|default:row.connection.contents_error|default:"Faraday couldn't use this connection." }}</p>{% endif %}</td>
  <td>{% with direction=row.connection.directionality %}{% if direction == "bidirectional" %}Source and destination{% elif direction == "source_only" %}Source only{% elif direction == "destination_only" %}Destination only{% else %}{{ direction|default:"—" }}{% endif %}{% endwith %}</td>
  <td>{% if row.connection.created_at %}<time datetime="{{ row.connection.created_at|date:'c' }}" title="{{ row.connection.created_at|date:'j F Y, H:i:s T' }}">{{ row.connection.created_at|naturaltime }}</time>{% else %}—{% endif %}</td>
  <td>{{ row.created_here_by|default:"—" }}</td>
</tr>
{% endfor %}"""  # noqa: E501 - the template as it was
TAG = "{% load connection_rows %}{% for row in rows %}{% connection_row row oob %}{% endfor %}"

BASE = Connection.from_json(listed_connection_json("c-1", name="Warehouse"))
VARIANTS = [
    BASE,
    dataclasses.replace(BASE, name="<script>alert('x')</script> & co", status="new"),
    dataclasses.replace(BASE, status="starting", directionality="source_only"),
    dataclasses.replace(BASE, status="running", directionality="destination_only"),
    dataclasses.replace(BASE, status="error", status_error="Bad <password>"),
    dataclasses.replace(BASE, status="error", status_error=None, contents_error="No 'tables'"),
    dataclasses.replace(BASE, status="error", status_error=None, contents_error=None),
    dataclasses.replace(BASE, status="pending<b>", directionality="sideways<i>"),
    dataclasses.replace(BASE, directionality=None, created_at=None),
    dataclasses.replace(BASE, archived_at=datetime(2024, 3, 1, tzinfo=UTC)),
    dataclasses.replace(BASE, created_at=timezone.now() - timedelta(seconds=40)),
]


@pytest.mark.parametrize("oob", [False, True])
@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Berlin"])
def test_rows_match_the_template_partial_byte_for_byte(settings, oob, time_zone):
    settings.TIME_ZONE = time_zone
    rows = [
        ConnectionRow(c, f"Type <{i}>", "o'brien" if i % 2 else None)
        for i, c in enumerate(VARIANTS)
    ]
    engine = engines["django"]
    context = {"rows": rows, "oob": oob}

    assert engine.from_string(TAG).render(context) == engine.from_string(REFERENCE).render(context)
