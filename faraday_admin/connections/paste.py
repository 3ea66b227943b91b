"""Read what IT sent (a connection string, a JDBC URL, libpq or ADO.NET settings, a console
link or a cloud host name) into the create form's field names. Pure functions, no Django.

`read_pasted(text)` returns a `Reading` (catalog field names → values, the password apart, the
types the text implies) or an `Unreadable` with a plain-words message. It never raises on any
text. URLs are split by `urllib.parse`; only the formats urllib doesn't know (libpq keywords,
`;`-separated properties with `{…}` quoting) have a small reader of their own here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

MAX_LENGTH = 4000

EXPECTED = (
    "a connection string such as postgresql://user:password@host:5432/database, a JDBC URL, "
    "host=… port=… dbname=… settings, a Snowflake, S3, Google Cloud Storage or BigQuery link, "
    "or a cloud database's host name"
)

POSTGRES_TYPES = (
    "postgres",
    "aws_rds_postgres",
    "aws_aurora_postgres",
    "gcp_cloud_sql_postgres",
    "redshift",
    "aws_redshift_serverless",
)
MYSQL_TYPES = ("mysql", "aws_rds_mysql", "aws_aurora_mysql", "gcp_cloud_sql_mysql")
SQL_SERVER_TYPES = (
    "sql_server",
    "aws_rds_sql_server",
    "azure_sql_server",
    "gcp_cloud_sql_sql_server",
)
REDSHIFT_TYPES = ("redshift", "aws_redshift_serverless")
_CLOUD_SQL_TYPES = ("gcp_cloud_sql_postgres", "gcp_cloud_sql_mysql", "gcp_cloud_sql_sql_server")

# The engine a scheme (before any "+driver") speaks.
_SCHEME_ENGINES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pgsql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlserver": "sql_server",
    "mssql": "sql_server",
    "redshift": "redshift",
    "clickhouse": "clickhouse",
    "clickhouses": "clickhouse",
    "ch": "clickhouse",
    "snowflake": "snowflake",
    "sftp": "sftp",
}
_ENGINE_TYPES = {
    "postgres": POSTGRES_TYPES,
    "mysql": MYSQL_TYPES,
    "sql_server": SQL_SERVER_TYPES,
    "redshift": REDSHIFT_TYPES,
    "clickhouse": ("clickhouse",),
    "snowflake": ("snowflake",),
    "sftp": ("sftp",),
}
_ENGINE_WORDS = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "sql_server": "SQL Server",
    "redshift": "Redshift",
    "clickhouse": "ClickHouse",
    "snowflake": "Snowflake",
    "sftp": "SFTP",
}
_DEFAULT_PORTS = {5432: "postgres", 3306: "mysql", 1433: "sql_server", 5439: "redshift"}
_UNSUPPORTED = {
    "mongodb": "MongoDB",
    "mongodb+srv": "MongoDB",
    "redis": "Redis",
    "rediss": "Redis",
    "oracle": "Oracle",
    "sqlite": "SQLite",
    "cassandra": "Cassandra",
}

# Settings that change how a client connects, not where: read and left out, named to the person.
_IGNORED_SETTINGS = frozenset(
    {
        "sslmode",
        "ssl",
        "sslrootcert",
        "usessl",
        "requiressl",
        "encrypt",
        "trustservercertificate",
        "hostnameincertificate",
        "connecttimeout",
        "connectiontimeout",
        "logintimeout",
        "applicationname",
        "appname",
        "charset",
        "characterencoding",
        "servertimezone",
        "persistsecurityinfo",
        "multipleactiveresultsets",
        "integratedsecurity",
        "authentication",
        "tcpkeepalive",
        "provider",
        "targetsessionattrs",
        "gssencmode",
    }
)

# Setting names (lower case, spaces, dashes and underscores dropped) → field names.
_KEY_FIELDS = {
    "host": "host",
    "hostname": "host",
    "hostaddr": "host",
    "server": "host",
    "servername": "host",
    "datasource": "host",
    "address": "host",
    "addr": "host",
    "networkaddress": "host",
    "endpoint": "host",
    "port": "port",
    "portnumber": "port",
    "database": "database",
    "databasename": "database",
    "dbname": "database",
    "db": "database",
    "initialcatalog": "database",
    "user": "user",
    "username": "user",
    "userid": "user",
    "uid": "user",
    "login": "user",
    "schema": "schema",
    "currentschema": "schema",
    "searchpath": "schema",
    "warehouse": "warehouse",
    "role": "role",
    "account": "account",
    "region": "aws_region",
    "awsregion": "aws_region",
    "bucket": "bucket_name",
    "bucketname": "bucket_name",
    "project": "project_id",
    "projectid": "project_id",
    "dataset": "dataset_name",
    "datasetname": "dataset_name",
    "instanceconnectionname": "instance_connection_name",
    "connectionname": "instance_connection_name",
}
_PASSWORD_KEYS = frozenset({"password", "pwd", "pass", "passwd"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_AWS_REGION = r"[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d"
_RDS_HOST = re.compile(rf"\.(?P<region>{_AWS_REGION})\.rds\.amazonaws\.com(?:\.cn)?$")
_REDSHIFT_HOST = re.compile(
    rf"\.(?P<region>{_AWS_REGION})\.(?P<kind>redshift|redshift-serverless)\.amazonaws\.com(?:\.cn)?$"
)
_S3_HOST = re.compile(
    rf"^(?:(?P<bucket>.+)\.)?s3(?:[.-]dualstack)?(?:[.-](?P<region>{_AWS_REGION}))?"
    r"(?:\.dualstack)?\.amazonaws\.com(?:\.cn)?$"
)
_SNOWFLAKE_HOST = re.compile(
    r"^(?P<account>.+?)(?:\.privatelink)?\.snowflakecomputing\.(?:com|cn)$"
)
_SNOWFLAKE_REGION = re.compile(r"^[a-z]+(?:-[a-z]+)+-\d+(?:\.(?:aws|azure|gcp))?$")
_CLOUD_SQL_NAME = re.compile(
    r"^(?P<name>(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]:[a-z]+-[a-z]+\d+:[a-z][a-z0-9-]*)$"
)
_GCP_PROJECT = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
_BIGQUERY_REF = re.compile(
    rf"^`?(?P<project>{_GCP_PROJECT})[.:](?P<dataset>[A-Za-z_][A-Za-z0-9_]{{0,1023}})"
    r"(?:\.[A-Za-z0-9_$-]+)?`?$"
)
# "example.com" has the shape of a BigQuery "project.dataset" too; a web address ending isn't
# a dataset anyone names, so these read as host names, not datasets.
_WEB_ENDINGS = frozenset(
    {"com", "net", "org", "io", "co", "ai", "dev", "app", "cloud", "edu", "gov", "info", "biz"}
    | {"us", "uk", "de", "local", "internal", "lan", "corp", "example", "test"}
)
_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*)(?::(?P<port>\d{1,5}))?/?$")
_LIBPQ_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")
_LIBPQ_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'")
_LINE_PAIR = re.compile(r"^\s*[-*•]?\s*([A-Za-z][A-Za-z0-9 _./()-]{0,40}?)\s*[:=]\s*(.*?)\s*$")
_SEMICOLON_PAIR = re.compile(
    r"\s*([^=;{}]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|\"[^\"]*\"|'[^']*'|[^;]*)\s*(?:;|$)"
)
_URL_IN_TEXT = re.compile(r"(?:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"']+")


@dataclass(frozen=True)
class Reading:
    """What a paste says, in catalog field names.

    `fields` never holds the password: it is `password` (kept out of repr, so it never reaches
    a log line or an error report). `suggested_types` are the types to propose, best first;
    `compatible_types` those whose fields it fills without proposing anything (empty: any type).
    `not_used` names, in plain words, what was read but has no field.
    """

    source: str
    fields: Mapping[str, str]
    password: str = field(default="", repr=False)
    suggested_types: tuple[str, ...] = ()
    compatible_types: tuple[str, ...] = ()
    not_used: tuple[str, ...] = ()

    @property
    def password_found(self) -> bool:
        return bool(self.password)

    def fits(self, type_key: str) -> bool:
        return not self.compatible_types or type_key in self.compatible_types


@dataclass(frozen=True)
class Unreadable:
    """Text this module couldn't read; `message` says so and what it expected."""

    message: str


def read_pasted(text: str) -> Reading | Unreadable:
    """Read pasted text. Never raises: anything it can't read is an `Unreadable`."""
    text = (text or "").strip()
    if not text:
        return Unreadable(f"Nothing was pasted. Paste {EXPECTED}.")
    if len(text) > MAX_LENGTH:
        return Unreadable(
            f"That's longer than {MAX_LENGTH:,} characters. Paste just the connection string or "
            "link, not the whole message."
        )
    if _CONTROL.search(text):
        return Unreadable(
            f"That contains characters no connection string has. Expected {EXPECTED}."
        )
    spaced = any(c.isspace() for c in text)
    if not spaced and ("://" in text or "=" not in text):
        return _read_token(text)
    if "\n" not in text and text[:15].casefold() == "jdbc:sqlserver:":
        return _read_token(text)  # its {…} values may hold spaces
    pairs = _key_value_pairs(text)
    settings = None
    if pairs is not None:
        libpq = "\n" not in text and ";" not in _LIBPQ_QUOTED.sub("", text)
        settings = _read_settings(pairs, libpq=libpq)
        if isinstance(settings, Reading):
            return settings
    urls = _URL_IN_TEXT.findall(text)
    if len(urls) == 1:
        reading = _read_token(urls[0].rstrip(".,;)"))
        if isinstance(reading, Reading):
            return replace(reading, not_used=(*reading.not_used, "the text around the address"))
        return reading
    return settings or _unreadable()


def _unreadable(what: str = "") -> Unreadable:
    start = f"Couldn't read this: {what}." if what else "Couldn't read this."
    return Unreadable(f"{start} Expected {EXPECTED}.")


# ---- one token: a URL, a host name, a BigQuery or Cloud SQL name ------------------------------


def _read_token(token: str) -> Reading | Unreadable:
    scheme_match = _SCHEME.match(token)
    scheme = scheme_match.group(1).casefold() if scheme_match else ""
    if scheme == "jdbc":
        return _read_jdbc(token[5:])
    if scheme == "arn" and token.casefold().startswith("arn:aws:s3:::"):
        bucket, _slash, prefix = token[13:].partition("/")
        return _bucket("s3_csv", bucket, None, prefix, "an S3 bucket ARN")
    if "://" in token:
        return _read_url(token)
    if name := _CLOUD_SQL_NAME.match(token):
        return Reading(
            source="a Google Cloud SQL instance connection name",
            fields={"instance_connection_name": name["name"]},
            suggested_types=_CLOUD_SQL_TYPES,
            compatible_types=_CLOUD_SQL_TYPES,
        )
    if (ref := _BIGQUERY_REF.match(token)) and ref["dataset"].casefold() not in _WEB_ENDINGS:
        return _bigquery(ref["project"], ref["dataset"], "a BigQuery dataset name")
    if host := _HOST_PORT.match(token):
        port = int(host["port"]) if host["port"] else None
        reading = _read_host(host["host"].casefold(), port=port, engine=None)
        if reading is not None:
            return reading
        return _unreadable(
            "a host name on its own doesn't say what kind of database it is; paste the full "
            "connection string, or choose the type and type the host"
        )
    return _unreadable()


def _read_url(token: str) -> Reading | Unreadable:
    scheme, _sep, rest = token.partition("://")
    scheme = scheme.casefold()
    # A driver suffix ("+redshift_connector") may hold characters urllib won't take in a scheme.
    base = scheme.split("+", 1)[0]
    try:
        parts = urlsplit(f"{base}://{rest}")
        port = parts.port
    except ValueError:
        return _unreadable("its server address or port is malformed")
    if port == 0:
        return _unreadable("the port must be a number from 1 to 65535")
    if base in ("http", "https"):
        return _read_web_link(parts, port)
    if base == "s3" or base == "s3a" or base == "s3n":
        return _bucket("s3_csv", parts.hostname or "", None, parts.path, "an S3 address")
    if base == "gs":
        bucket = parts.hostname or ""
        return _bucket("gcp_gcs_csv", bucket, None, parts.path, "a Cloud Storage address")
    if base == "bigquery":
        dataset = unquote(parts.path.strip("/")).split("/")[0]
        if parts.hostname and dataset:
            return _bigquery(parts.netloc, dataset, "a BigQuery address")
        return _unreadable("a BigQuery address needs bigquery://project/dataset")
    if base in _UNSUPPORTED:
        return _unreadable(f"Faraday doesn't connect to {_UNSUPPORTED[base]}")
    engine = _SCHEME_ENGINES.get(base)
    if engine is None:
        return _unreadable(f"“{scheme[:30]}” isn't a kind of address Faraday connects to")
    if "," in parts.netloc.rpartition("@")[2]:
        return _unreadable("it lists several servers; paste the address of one server")
    return _read_database_url(parts, engine, port)


def _query(parts: SplitResult) -> dict[str, str]:
    return {k.casefold(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}


def _read_database_url(parts: SplitResult, engine: str, port: int | None) -> Reading | Unreadable:
    query = _query(parts)
    path = unquote(parts.path).strip("/")
    settings: dict[str, str] = {}
    if parts.username:
        settings["user"] = unquote(parts.username)
    if parts.hostname:
        settings["host"] = parts.hostname
    if port:
        settings["port"] = str(port)
    password = unquote(parts.password) if parts.password is not None else ""
    not_used: list[str] = []
    if engine == "snowflake":
        database, _slash, schema = path.partition("/")
        settings.update({k: v for k, v in (("database", database), ("schema", schema)) if v})
        return _snowflake(settings, password, query, "a Snowflake connection string")
    if engine == "sql_server" and parts.scheme == "sqlserver":
        # go-mssqldb style: the path names an instance; the database is a query setting.
        if path:
            not_used.append("the instance name")
    elif engine == "sftp":
        if path:
            not_used.append("the folder path")
    elif path:
        settings["database"] = path
    return _database(engine, settings, password, query, f"a {_ENGINE_WORDS[engine]} URL", not_used)


def _database(
    engine: str | None,
    settings: Mapping[str, str],
    password: str,
    query: Mapping[str, str],
    source: str,
    not_used: list[str] | None = None,
) -> Reading | Unreadable:
    """A database reading from settings already named, plus the query string's settings."""
    settings = dict(settings)
    not_used = list(not_used or [])
    password = password or next((v for k, v in query.items() if k in _PASSWORD_KEYS), "")
    others = 0
    for key, value in query.items():
        name = _KEY_FIELDS.get(_key(key))
        if key in _PASSWORD_KEYS:
            continue
        if key == "options" and (schema := _search_path(value)):
            settings.setdefault("schema", schema)
        elif name and value:
            settings.setdefault(name, value)
        elif _key(key) in _IGNORED_SETTINGS:
            not_used.append(f"the {key} setting")
        else:
            others += 1
    if others:
        not_used.append(f"{others} other setting{'s' if others > 1 else ''}")
    if "schema" in settings:
        settings["schema"] = settings["schema"].split(",")[0].strip()
    if "host" in settings:
        split = _split_server(settings["host"])
        if split is None:
            return _unreadable("its server address or port is malformed")
        host, port, instance = split
        settings["host"] = host
        if port and "port" not in settings:
            settings["port"] = port
        if instance:
            not_used.append("the instance name")
    port_text = settings.get("port", "")
    if port_text and not (
        port_text.isascii() and port_text.isdigit() and 0 < int(port_text) <= 65535
    ):
        return _unreadable("the port must be a number from 1 to 65535")
    if engine is None:
        engine = _DEFAULT_PORTS.get(int(port_text)) if port_text else None
    if engine == "snowflake" or "account" in settings:
        return _snowflake(settings, password, {}, source)
    host = settings.get("host", "").casefold()
    hosted = _read_host(host, port=int(port_text) if port_text else None, engine=engine)
    suggested: tuple[str, ...] = ()
    compatible: tuple[str, ...] = _ENGINE_TYPES.get(engine, ()) if engine else ()
    if hosted is not None:
        settings.update(hosted.fields)
        suggested = hosted.suggested_types
        compatible = tuple(dict.fromkeys((*compatible, *hosted.compatible_types)))
    elif engine:
        suggested = _ENGINE_TYPES[engine][:1]
    fields = {k: v for k, v in settings.items() if v and k in FIELD_NAMES}
    if not fields and not password:
        return _unreadable()
    return Reading(
        source=source,
        fields=fields,
        password=password,
        suggested_types=suggested,
        compatible_types=compatible,
        not_used=tuple(not_used),
    )


# Every field name a reading can hold (all are catalog field names; a test checks).
FIELD_NAMES = frozenset(_KEY_FIELDS.values()) - {"account"} | {
    "organization_name",
    "account_name",
    "legacy_account_locator",
}


def _key(key: str) -> str:
    return re.sub(r"[\s_.\-]+", "", key.casefold())


def _search_path(options: str) -> str:
    """The schema in libpq's options="-c search_path=…" (first of the list)."""
    found = re.search(r"search_path\s*=\s*([^\s,]+)", options)
    return found.group(1) if found else ""


def _split_server(value: str) -> tuple[str, str, str] | None:
    """(host, port, instance) from "tcp:host,1433", "host\\instance", "host:5432", "[::1]:5432"."""
    value = value.strip()
    if value.casefold().startswith("tcp:"):
        value = value[4:]
    host, comma, port = value.partition(",")
    if not comma:
        if host.startswith("["):
            host, _bracket, rest = host[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        elif host.count(":") == 1:
            host, _colon, port = host.partition(":")
    host, _backslash, instance = host.partition("\\")
    port = port.strip()
    if port and not (port.isascii() and port.isdigit()):
        return None
    return host.strip(), port, instance.strip()


# ---- cloud host names ------------------------------------------------------------------------


def _read_host(host: str, *, port: int | None, engine: str | None) -> Reading | None:
    """A reading for a cloud host name (the type it implies), or None for any other host."""
    fields: dict[str, str] = {"host": host, **({"port": str(port)} if port else {})}
    engine = engine or (_DEFAULT_PORTS.get(port) if port else None)
    if match := _REDSHIFT_HOST.search(host):
        kind = "aws_redshift_serverless" if match["kind"] == "redshift-serverless" else "redshift"
        return Reading(
            source="an Amazon Redshift host name",
            fields={**fields, "aws_region": match["region"]},
            suggested_types=(kind,),
            compatible_types=REDSHIFT_TYPES,
        )
    if _RDS_HOST.search(host):
        aurora = ".cluster-" in host
        by_engine = {
            "postgres": ("aws_aurora_postgres",) if aurora else ("aws_rds_postgres",),
            "mysql": ("aws_aurora_mysql",) if aurora else ("aws_rds_mysql",),
            "sql_server": ("aws_rds_sql_server",),
        }
        every = ("aws_rds_postgres", "aws_rds_mysql", "aws_rds_sql_server")
        suggested = by_engine.get(engine or "") or (
            ("aws_aurora_postgres", "aws_aurora_mysql") if aurora else every
        )
        compatible = (*suggested, *_ENGINE_TYPES.get(engine or "", ()))
        return Reading(
            source="an Amazon RDS host name",
            fields=fields,
            suggested_types=suggested,
            compatible_types=tuple(dict.fromkeys(compatible)),
        )
    if host.endswith(".database.windows.net"):
        return Reading(
            source="an Azure SQL host name",
            fields=fields,
            suggested_types=("azure_sql_server",),
            compatible_types=SQL_SERVER_TYPES,
        )
    if host.endswith(".snowflakecomputing.com") or host.endswith(".snowflakecomputing.cn"):
        return _snowflake({"account": host}, "", {}, "a Snowflake address")
    if host.endswith(".clickhouse.cloud"):
        return Reading(
            source="a ClickHouse Cloud host name",
            fields=fields,
            suggested_types=("clickhouse",),
            compatible_types=("clickhouse",),
        )
    return None


# ---- web links ------------------------------------------------------------------------------


def _read_web_link(parts: SplitResult, port: int | None) -> Reading | Unreadable:
    host = (parts.hostname or "").casefold()
    query = _query(parts)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host == "app.snowflake.com" and len(segments) >= 2:
        first, second = segments[0], segments[1]
        if _SNOWFLAKE_REGION.match(first.casefold()):
            # Snowsight's legacy form: /<region>/<locator>/…
            account = {"legacy_account_locator": f"{second}.{first}"}
        else:
            account = {"organization_name": first, "account_name": second}
        return Reading(
            source="a Snowflake (Snowsight) link",
            fields=account,
            suggested_types=("snowflake",),
            compatible_types=("snowflake",),
        )
    if match := _S3_HOST.match(host):
        bucket, path = match["bucket"], parts.path
        if not bucket and segments:  # path style: s3.<region>.amazonaws.com/<bucket>/…
            bucket, path = segments[0], "/".join(segments[1:])
        return _bucket("s3_csv", bucket or "", match["region"], path, "an S3 link")
    if host.endswith("console.aws.amazon.com") and segments[:2] == ["s3", "buckets"]:
        bucket = segments[2] if len(segments) > 2 else ""
        prefix = query.get("prefix", "")
        return _bucket("s3_csv", bucket, query.get("region"), prefix, "an S3 console link")
    if host in ("storage.googleapis.com", "storage.cloud.google.com") and segments:
        prefix = "/".join(segments[1:])
        return _bucket("gcp_gcs_csv", segments[0], None, prefix, "a Cloud Storage link")
    if host == "console.cloud.google.com":
        if segments[:2] == ["storage", "browser"] and len(segments) > 2:
            prefix = "/".join(segments[3:])
            reading = _bucket(
                "gcp_gcs_csv", segments[2], None, prefix, "a Cloud Storage console link"
            )
            if isinstance(reading, Reading) and query.get("project"):
                fields = {**reading.fields, "project_id": query["project"]}
                reading = replace(reading, fields=fields)
            return reading
        if segments[:1] == ["bigquery"]:
            return _bigquery_console(query)
    hosted = _read_host(host, port=port, engine=None)
    if hosted is not None:
        return hosted
    return _unreadable("that web address isn't a console link or database address it knows")


def _bigquery_console(query: Mapping[str, str]) -> Reading | Unreadable:
    project = query.get("p") or query.get("project", "")
    dataset = query.get("d", "")
    # The newer console keeps the open dataset in "ws": …!1s<project>!2s<dataset>…
    if ws := re.search(r"!1s([^!]+)!2s([^!]+)", query.get("ws", "")):
        project, dataset = ws.group(1), ws.group(2)
    if not project:
        return _unreadable("that BigQuery link names no project")
    if not dataset:
        return Reading(
            source="a BigQuery console link",
            fields={"project_id": project},
            suggested_types=("bigquery",),
            compatible_types=("bigquery",),
        )
    return _bigquery(project, dataset, "a BigQuery console link")


def _bigquery(project: str, dataset: str, source: str) -> Reading:
    return Reading(
        source=source,
        fields={"project_id": project, "dataset_name": dataset},
        suggested_types=("bigquery",),
        compatible_types=("bigquery",),
    )


def _bucket(type_key: str, bucket: str, region: str | None, prefix: str, source: str):
    if not bucket:
        return _unreadable("it names no bucket")
    fields = {"bucket_name": bucket, **({"aws_region": region} if region else {})}
    folder = "the folder path (you choose files later, when you add a dataset)"
    not_used = (folder,) if prefix.strip("/") else ()
    return Reading(
        source=source,
        fields=fields,
        suggested_types=(type_key,),
        compatible_types=(type_key,),
        not_used=not_used,
    )


# ---- Snowflake ------------------------------------------------------------------------------


def _snowflake(
    settings: Mapping[str, str], password: str, query: Mapping[str, str], source: str
) -> Reading | Unreadable:
    settings = dict(settings)
    for key, value in query.items():
        name = {"db": "database", "database": "database", "schema": "schema"}.get(key) or (
            key if key in ("warehouse", "role", "user", "account") else None
        )
        if name and value:
            settings.setdefault(name, value)
    password = password or query.get("password", "")
    account = settings.pop("account", "") or settings.pop("host", "")
    settings.pop("port", None)
    fields = {k: v for k, v in settings.items() if v and k in FIELD_NAMES}
    fields.update(_snowflake_account(account))
    if not fields:
        return _unreadable("it names no Snowflake account")
    return Reading(
        source=source,
        fields=fields,
        password=password,
        suggested_types=("snowflake",),
        compatible_types=("snowflake",),
    )


def _snowflake_account(identifier: str) -> dict[str, str]:
    """ORG-ACCOUNT → organization and account name; a locator (with its region) → legacy."""
    identifier = identifier.strip().strip("/")
    if match := _SNOWFLAKE_HOST.match(identifier.casefold()):
        identifier = identifier[: len(match["account"])]
    if not identifier:
        return {}
    if "." in identifier:  # xy12345.us-east-2.aws: a locator in a region
        return {"legacy_account_locator": identifier}
    if "-" in identifier:
        # Organization names have no hyphens; account names may (URLs turn "_" into "-").
        organization, _hyphen, account = identifier.partition("-")
        return {"organization_name": organization, "account_name": account}
    return {"legacy_account_locator": identifier}


# ---- JDBC -----------------------------------------------------------------------------------


def _read_jdbc(rest: str) -> Reading | Unreadable:
    sub = rest.split(":", 1)[0].casefold()
    if sub == "sqlserver":
        return _read_jdbc_sql_server(rest[len("sqlserver:") :])
    if rest.casefold().startswith("redshift:iam://"):
        reading = _read_url("redshift://" + rest[len("redshift:iam://") :])
        if isinstance(reading, Reading):
            reading = replace(reading, not_used=(*reading.not_used, "IAM sign-in"))
        return reading
    if sub in ("postgresql", "mysql", "mariadb", "redshift", "clickhouse", "ch", "snowflake"):
        reading = _read_url(rest)
        if isinstance(reading, Reading):
            word = _ENGINE_WORDS[_SCHEME_ENGINES[sub]]
            reading = replace(reading, source=f"a {word} JDBC URL")
        return reading
    return _unreadable(f"“jdbc:{sub[:30]}” isn't a JDBC driver Faraday connects with")


def _read_jdbc_sql_server(rest: str) -> Reading | Unreadable:
    if not rest.startswith("//"):
        return _unreadable("a SQL Server JDBC URL starts jdbc:sqlserver://")
    server, _semicolon, properties = rest[2:].partition(";")
    pairs = _semicolon_pairs(properties) if properties.strip() else []
    if pairs is None:
        return _unreadable("its ;name=value settings are malformed")
    settings: dict[str, str] = {}
    if server:
        settings["host"] = server
    return _read_settings(
        [*settings.items(), *pairs], engine="sql_server", source="a SQL Server JDBC URL"
    )


# ---- name=value settings: libpq, ADO.NET/ODBC, one per line ----------------------------------


def _key_value_pairs(text: str) -> list[tuple[str, str]] | None:
    """The name=value pairs of libpq keywords, `;`-separated settings or one-per-line labels;
    None when the text is none of those."""
    lines = [line for line in re.split(r"\r?\n|\r", text) if line.strip()]
    if len(lines) > 1:
        # A message from IT: "Host: …" lines among greetings, which are skipped.
        matches = [_LINE_PAIR.match(line) for line in lines]
        return [(m.group(1), m.group(2)) for m in matches if m] or None
    if ";" in _LIBPQ_QUOTED.sub("", text):
        return _semicolon_pairs(text)
    pairs, position = [], 0
    while position < len(text):
        match = _LIBPQ_PAIR.match(text, position)
        if match is None or match.end() == position:
            return None if text[position:].strip() else pairs
        value = match.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        pairs.append((match.group(1), value))
        position = match.end()
    return pairs or None


def _semicolon_pairs(text: str) -> list[tuple[str, str]] | None:
    """`name=value;…` with values optionally in {…} (JDBC, ODBC) or quotes (ADO.NET)."""
    pairs, position = [], 0
    while position < len(text):
        if text[position:].strip(" ;") == "":
            break
        match = _SEMICOLON_PAIR.match(text, position)
        if match is None or match.end() == position:
            return None
        value = match.group(2).strip()
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1].replace("}}", "}")
        elif len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        pairs.append((match.group(1), value))
        position = match.end()
    return pairs or None


def _read_settings(
    pairs: list[tuple[str, str]],
    *,
    libpq: bool = False,
    engine: str | None = None,
    source: str = "",
) -> Reading | Unreadable:
    settings: dict[str, str] = {}
    query: dict[str, str] = {}
    password = ""
    known = 0
    for raw_key, value in pairs:
        key = _key(raw_key)
        if key in _PASSWORD_KEYS:
            password, known = value, known + 1
        elif key in ("driver", "engine", "type", "databasetype", "dbtype"):
            engine = engine or _engine_in_words(value)
            known += 1
        elif key == "options" and (schema := _search_path(value)):
            settings.setdefault("schema", schema)
            known += 1
        elif (name := _KEY_FIELDS.get(key)) and value:
            settings.setdefault(name, value)
            known += 1
        else:
            query[raw_key.strip().casefold()] = value
    if known < 2 and not source:
        return _unreadable("it has too few settings it knows (like host, port, database, user)")
    if libpq and engine is None:
        engine = "postgres"
    if engine is None and any(_key(k) in ("initialcatalog", "datasource") for k, _v in pairs):
        engine = "sql_server"
    if not source:
        source = (
            "PostgreSQL connection settings"
            if libpq
            else f"{_ENGINE_WORDS[engine]} connection settings"
            if engine
            else "connection settings"
        )
    return _database(engine, settings, password, query, source)


def _engine_in_words(value: str) -> str | None:
    words = value.casefold()
    for needle, engine in (
        ("sql server", "sql_server"),
        ("sqlserver", "sql_server"),
        ("mssql", "sql_server"),
        ("redshift", "redshift"),
        ("postgres", "postgres"),
        ("mysql", "mysql"),
        ("mariadb", "mysql"),
        ("snowflake", "snowflake"),
        ("clickhouse", "clickhouse"),
    ):
        if needle in words:
            return engine
    return None
