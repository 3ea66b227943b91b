"""The paste parser: real-world strings IT sends, round-trips of built URLs, and garbage."""

# ruff: noqa: E501 (the table quotes real connection strings whole)

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faraday_admin.catalog import get_catalog
from faraday_admin.connections import paste
from faraday_admin.connections.paste import MAX_LENGTH, Reading, Unreadable, read_pasted

PG = paste.POSTGRES_TYPES
RDS_HOST = "shop.c9akciq32.us-east-1.rds.amazonaws.com"
AURORA_HOST = "app.cluster-c9akciq32.eu-west-1.rds.amazonaws.com"
REDSHIFT_HOST = "examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com"

# (pasted text, expected fields, expected password, the type proposed first)
CASES = [
    # ---- database URLs
    (
        "postgresql://faraday:s3cret@db.example.com:5432/analytics",
        {"host": "db.example.com", "port": "5432", "database": "analytics", "user": "faraday"},
        "s3cret",
        "postgres",
    ),
    (
        "postgres://faraday@db.example.com/analytics",
        {"host": "db.example.com", "database": "analytics", "user": "faraday"},
        "",
        "postgres",
    ),
    (
        "postgresql+psycopg://reader:p%40ss%2Fword@10.0.0.12:6432/warehouse",
        {"host": "10.0.0.12", "port": "6432", "database": "warehouse", "user": "reader"},
        "p@ss/word",
        "postgres",
    ),
    (
        "postgresql+psycopg2://reader:pw@db.internal:5432/app?sslmode=require&connect_timeout=10",
        {"host": "db.internal", "port": "5432", "database": "app", "user": "reader"},
        "pw",
        "postgres",
    ),
    (
        "postgresql+asyncpg://u:pw@[2001:db8::10]:5432/app",
        {"host": "2001:db8::10", "port": "5432", "database": "app", "user": "u"},
        "pw",
        "postgres",
    ),
    (
        "postgresql://u@[::1]/app",
        {"host": "::1", "database": "app", "user": "u"},
        "",
        "postgres",
    ),
    (
        "postgresql://user%40corp:pw@db.example.com/app%5Fdb",
        {"host": "db.example.com", "database": "app_db", "user": "user@corp"},
        "pw",
        "postgres",
    ),
    (
        "postgresql://db.example.com/app?user=faraday&password=from%20query",
        {"host": "db.example.com", "database": "app", "user": "faraday"},
        "from query",
        "postgres",
    ),
    (
        "postgresql://u:pw@db.example.com/app?options=-c%20search_path%3Dsales,public",
        {"host": "db.example.com", "database": "app", "user": "u", "schema": "sales"},
        "pw",
        "postgres",
    ),
    (
        "postgresql://u:pw@db.example.com:5432/app?schema=marketing",
        {
            "host": "db.example.com",
            "port": "5432",
            "database": "app",
            "user": "u",
            "schema": "marketing",
        },
        "pw",
        "postgres",
    ),
    (
        f"postgres://admin:pw@{RDS_HOST}:5432/orders",
        {"host": RDS_HOST, "port": "5432", "database": "orders", "user": "admin"},
        "pw",
        "aws_rds_postgres",
    ),
    (
        f"postgresql://admin:pw@{AURORA_HOST}/orders",
        {"host": AURORA_HOST, "database": "orders", "user": "admin"},
        "pw",
        "aws_aurora_postgres",
    ),
    (
        f"postgresql://awsuser:pw@{REDSHIFT_HOST}:5439/dev",
        {
            "host": REDSHIFT_HOST,
            "port": "5439",
            "database": "dev",
            "user": "awsuser",
            "aws_region": "us-west-2",
        },
        "pw",
        "redshift",
    ),
    (
        "mysql://root:pw@mysql.example.com:3306/shop",
        {"host": "mysql.example.com", "port": "3306", "database": "shop", "user": "root"},
        "pw",
        "mysql",
    ),
    (
        "mysql+pymysql://app:pw@127.0.0.1/shop?charset=utf8mb4",
        {"host": "127.0.0.1", "database": "shop", "user": "app"},
        "pw",
        "mysql",
    ),
    (
        "mariadb://app:pw@maria.example.com:3307/crm",
        {"host": "maria.example.com", "port": "3307", "database": "crm", "user": "app"},
        "pw",
        "mysql",
    ),
    (
        f"mysql://admin:pw@{RDS_HOST}:3306/shop",
        {"host": RDS_HOST, "port": "3306", "database": "shop", "user": "admin"},
        "pw",
        "aws_rds_mysql",
    ),
    (
        "mysql://admin:pw@shop.cluster-ro-c9akciq32.us-east-2.rds.amazonaws.com/shop",
        {
            "host": "shop.cluster-ro-c9akciq32.us-east-2.rds.amazonaws.com",
            "database": "shop",
            "user": "admin",
        },
        "pw",
        "aws_aurora_mysql",
    ),
    (
        "sqlserver://sa:pw@sql.example.com:1433?database=Sales",
        {"host": "sql.example.com", "port": "1433", "database": "Sales", "user": "sa"},
        "pw",
        "sql_server",
    ),
    (
        "sqlserver://sa:pw@sql.example.com/SQLEXPRESS?database=Sales&encrypt=true",
        {"host": "sql.example.com", "database": "Sales", "user": "sa"},
        "pw",
        "sql_server",
    ),
    (
        "mssql://sa:pw@sql.example.com:1433/Sales",
        {"host": "sql.example.com", "port": "1433", "database": "Sales", "user": "sa"},
        "pw",
        "sql_server",
    ),
    (
        "mssql+pyodbc://faraday:pw@contoso.database.windows.net:1433/sales?driver=ODBC+Driver+18+for+SQL+Server",
        {
            "host": "contoso.database.windows.net",
            "port": "1433",
            "database": "sales",
            "user": "faraday",
        },
        "pw",
        "azure_sql_server",
    ),
    (
        f"mssql://admin:pw@{RDS_HOST}:1433/erp",
        {"host": RDS_HOST, "port": "1433", "database": "erp", "user": "admin"},
        "pw",
        "aws_rds_sql_server",
    ),
    (
        f"redshift://awsuser:pw@{REDSHIFT_HOST}:5439/dev",
        {
            "host": REDSHIFT_HOST,
            "port": "5439",
            "database": "dev",
            "user": "awsuser",
            "aws_region": "us-west-2",
        },
        "pw",
        "redshift",
    ),
    (
        "redshift+redshift_connector://u:pw@default-wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439/dev",
        {
            "host": "default-wg.123456789012.us-east-1.redshift-serverless.amazonaws.com",
            "port": "5439",
            "database": "dev",
            "user": "u",
            "aws_region": "us-east-1",
        },
        "pw",
        "aws_redshift_serverless",
    ),
    (
        "clickhouse://default:pw@ch.example.com:9000/events",
        {"host": "ch.example.com", "port": "9000", "database": "events", "user": "default"},
        "pw",
        "clickhouse",
    ),
    (
        "clickhouse+native://reader@abc123.us-east-1.aws.clickhouse.cloud:9440/default",
        {
            "host": "abc123.us-east-1.aws.clickhouse.cloud",
            "port": "9440",
            "database": "default",
            "user": "reader",
        },
        "",
        "clickhouse",
    ),
    (
        "sftp://drop:pw@files.example.com:2222/incoming",
        {"host": "files.example.com", "port": "2222", "user": "drop"},
        "pw",
        "sftp",
    ),
    # ---- JDBC URLs
    (
        "jdbc:postgresql://db.example.com:5432/analytics?user=faraday&password=pw&ssl=true",
        {"host": "db.example.com", "port": "5432", "database": "analytics", "user": "faraday"},
        "pw",
        "postgres",
    ),
    (
        "jdbc:postgresql://db.example.com/analytics?currentSchema=sales",
        {"host": "db.example.com", "database": "analytics", "schema": "sales"},
        "",
        "postgres",
    ),
    (
        "jdbc:mysql://mysql.example.com:3306/shop?user=app&password=pw&useSSL=false",
        {"host": "mysql.example.com", "port": "3306", "database": "shop", "user": "app"},
        "pw",
        "mysql",
    ),
    (
        f"jdbc:mysql://{RDS_HOST}:3306/shop",
        {"host": RDS_HOST, "port": "3306", "database": "shop"},
        "",
        "aws_rds_mysql",
    ),
    (
        "jdbc:mariadb://maria.example.com/crm?user=app",
        {"host": "maria.example.com", "database": "crm", "user": "app"},
        "",
        "mysql",
    ),
    (
        "jdbc:sqlserver://sql.example.com:1433;databaseName=Sales;user=sa;password=pw;encrypt=true",
        {"host": "sql.example.com", "port": "1433", "database": "Sales", "user": "sa"},
        "pw",
        "sql_server",
    ),
    (
        "jdbc:sqlserver://sql.example.com\\SQLEXPRESS;databaseName=Sales;integratedSecurity=true",
        {"host": "sql.example.com", "database": "Sales"},
        "",
        "sql_server",
    ),
    (
        "jdbc:sqlserver://contoso.database.windows.net:1433;database=sales;user=faraday@contoso;password={p;w}}d};encrypt=true;trustServerCertificate=false;hostNameInCertificate=*.database.windows.net;loginTimeout=30;",
        {
            "host": "contoso.database.windows.net",
            "port": "1433",
            "database": "sales",
            "user": "faraday@contoso",
        },
        "p;w}d",
        "azure_sql_server",
    ),
    (
        "jdbc:sqlserver://;serverName=sql.example.com;portNumber=1433;databaseName=Sales",
        {"host": "sql.example.com", "port": "1433", "database": "Sales"},
        "",
        "sql_server",
    ),
    (
        f"jdbc:redshift://{REDSHIFT_HOST}:5439/dev?user=awsuser&password=pw",
        {
            "host": REDSHIFT_HOST,
            "port": "5439",
            "database": "dev",
            "user": "awsuser",
            "aws_region": "us-west-2",
        },
        "pw",
        "redshift",
    ),
    (
        f"jdbc:redshift:iam://{REDSHIFT_HOST}:5439/dev",
        {"host": REDSHIFT_HOST, "port": "5439", "database": "dev", "aws_region": "us-west-2"},
        "",
        "redshift",
    ),
    (
        "jdbc:snowflake://acme-marketing.snowflakecomputing.com/?db=ANALYTICS&warehouse=COMPUTE_WH&role=FARADAY&user=FARADAY_USER",
        {
            "organization_name": "acme",
            "account_name": "marketing",
            "database": "ANALYTICS",
            "warehouse": "COMPUTE_WH",
            "role": "FARADAY",
            "user": "FARADAY_USER",
        },
        "",
        "snowflake",
    ),
    (
        "jdbc:snowflake://xy12345.us-east-2.aws.snowflakecomputing.com/?db=SALES&schema=PUBLIC&warehouse=WH",
        {
            "legacy_account_locator": "xy12345.us-east-2.aws",
            "database": "SALES",
            "schema": "PUBLIC",
            "warehouse": "WH",
        },
        "",
        "snowflake",
    ),
    (
        "jdbc:snowflake://xy12345.snowflakecomputing.com/?db=SALES&password=pw",
        {"legacy_account_locator": "xy12345", "database": "SALES"},
        "pw",
        "snowflake",
    ),
    (
        "jdbc:clickhouse://ch.example.com:8123/events",
        {"host": "ch.example.com", "port": "8123", "database": "events"},
        "",
        "clickhouse",
    ),
    # ---- libpq keywords, ADO.NET/ODBC settings, one setting per line
    (
        "host=db.example.com port=5432 dbname=analytics user=faraday password=pw sslmode=require",
        {"host": "db.example.com", "port": "5432", "database": "analytics", "user": "faraday"},
        "pw",
        "postgres",
    ),
    (
        "host = db.example.com dbname = analytics user = faraday password = 'it''s'",
        None,  # libpq quotes escape with a backslash, not doubling: not readable
        "",
        "",
    ),
    (
        "host=db.example.com dbname=analytics user=faraday password='a b\\'c'",
        {"host": "db.example.com", "database": "analytics", "user": "faraday"},
        "a b'c",
        "postgres",
    ),
    (
        f"host={RDS_HOST} port=5432 dbname=orders user=admin",
        {"host": RDS_HOST, "port": "5432", "database": "orders", "user": "admin"},
        "",
        "aws_rds_postgres",
    ),
    (
        "hostaddr=10.1.2.3 dbname=app user=u options='-c search_path=reporting'",
        {"host": "10.1.2.3", "database": "app", "user": "u", "schema": "reporting"},
        "",
        "postgres",
    ),
    (
        "Server=tcp:contoso.database.windows.net,1433;Initial Catalog=sales;Persist Security Info=False;User ID=faraday;Password=pw;MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;",
        {
            "host": "contoso.database.windows.net",
            "port": "1433",
            "database": "sales",
            "user": "faraday",
        },
        "pw",
        "azure_sql_server",
    ),
    (
        "Data Source=sql.example.com\\SQLEXPRESS;Initial Catalog=Sales;User Id=sa;Password=pw;",
        {"host": "sql.example.com", "database": "Sales", "user": "sa"},
        "pw",
        "sql_server",
    ),
    (
        "Driver={ODBC Driver 18 for SQL Server};Server=sql.example.com,1433;Database=Sales;Uid=sa;Pwd={p;w};",
        {"host": "sql.example.com", "port": "1433", "database": "Sales", "user": "sa"},
        "p;w",
        "sql_server",
    ),
    (
        "Server=mysql.example.com;Port=3306;Database=shop;Uid=app;Pwd=pw;",
        {"host": "mysql.example.com", "port": "3306", "database": "shop", "user": "app"},
        "pw",
        "mysql",
    ),
    (
        "Driver={PostgreSQL Unicode};Server=db.example.com;Port=5432;Database=app;Uid=u;Pwd=pw;",
        {"host": "db.example.com", "port": "5432", "database": "app", "user": "u"},
        "pw",
        "postgres",
    ),
    (
        "Host: db.example.com\nPort: 5432\nDatabase: analytics\nUsername: faraday\nPassword: pw",
        {"host": "db.example.com", "port": "5432", "database": "analytics", "user": "faraday"},
        "pw",
        "postgres",
    ),
    (
        "Hi! Here are the details:\n\nEndpoint: "
        + RDS_HOST
        + "\nPort: 3306\nDB name: shop\nUser name: faraday\nPassword: pw\n\nThanks, IT",
        {"host": RDS_HOST, "port": "3306", "database": "shop", "user": "faraday"},
        "pw",
        "aws_rds_mysql",
    ),
    (
        "Account: acme-marketing\nUser: FARADAY\nWarehouse: COMPUTE_WH\nDatabase: ANALYTICS\nRole: FARADAY",
        {
            "organization_name": "acme",
            "account_name": "marketing",
            "user": "FARADAY",
            "warehouse": "COMPUTE_WH",
            "database": "ANALYTICS",
            "role": "FARADAY",
        },
        "",
        "snowflake",
    ),
    # ---- Snowflake addresses
    (
        "https://acme-marketing.snowflakecomputing.com",
        {"organization_name": "acme", "account_name": "marketing"},
        "",
        "snowflake",
    ),
    (
        "https://acme-marketing-eu.snowflakecomputing.com/console#/internal/worksheet",
        {"organization_name": "acme", "account_name": "marketing-eu"},
        "",
        "snowflake",
    ),
    (
        "https://acme-marketing.privatelink.snowflakecomputing.com",
        {"organization_name": "acme", "account_name": "marketing"},
        "",
        "snowflake",
    ),
    (
        "xy12345.us-east-2.aws.snowflakecomputing.com",
        {"legacy_account_locator": "xy12345.us-east-2.aws"},
        "",
        "snowflake",
    ),
    (
        "https://xy12345.east-us-2.azure.snowflakecomputing.com/",
        {"legacy_account_locator": "xy12345.east-us-2.azure"},
        "",
        "snowflake",
    ),
    (
        "https://app.snowflake.com/acme/marketing/#/homepage",
        {"organization_name": "acme", "account_name": "marketing"},
        "",
        "snowflake",
    ),
    (
        "https://app.snowflake.com/us-east-2.aws/xy12345/worksheets",
        {"legacy_account_locator": "xy12345.us-east-2.aws"},
        "",
        "snowflake",
    ),
    (
        "snowflake://FARADAY:pw@acme-marketing/ANALYTICS/PUBLIC?warehouse=COMPUTE_WH&role=FARADAY",
        {
            "organization_name": "acme",
            "account_name": "marketing",
            "user": "FARADAY",
            "database": "ANALYTICS",
            "schema": "PUBLIC",
            "warehouse": "COMPUTE_WH",
            "role": "FARADAY",
        },
        "pw",
        "snowflake",
    ),
    # ---- cloud host names
    (RDS_HOST, {"host": RDS_HOST}, "", "aws_rds_postgres"),
    (f"{RDS_HOST}:3306", {"host": RDS_HOST, "port": "3306"}, "", "aws_rds_mysql"),
    (AURORA_HOST, {"host": AURORA_HOST}, "", "aws_aurora_postgres"),
    (
        f"{REDSHIFT_HOST}:5439",
        {"host": REDSHIFT_HOST, "port": "5439", "aws_region": "us-west-2"},
        "",
        "redshift",
    ),
    (
        "contoso.database.windows.net",
        {"host": "contoso.database.windows.net"},
        "",
        "azure_sql_server",
    ),
    (
        "my-project:us-central1:orders-db",
        {"instance_connection_name": "my-project:us-central1:orders-db"},
        "",
        "gcp_cloud_sql_postgres",
    ),
    # ---- buckets
    ("s3://acme-exports/faraday/daily/", {"bucket_name": "acme-exports"}, "", "s3_csv"),
    ("s3://acme-exports", {"bucket_name": "acme-exports"}, "", "s3_csv"),
    (
        "https://acme-exports.s3.us-west-2.amazonaws.com/faraday/orders.csv",
        {"bucket_name": "acme-exports", "aws_region": "us-west-2"},
        "",
        "s3_csv",
    ),
    (
        "https://acme.exports.s3.eu-central-1.amazonaws.com/",
        {"bucket_name": "acme.exports", "aws_region": "eu-central-1"},
        "",
        "s3_csv",
    ),
    (
        "https://acme-exports.s3-us-west-1.amazonaws.com/x.csv",
        {"bucket_name": "acme-exports", "aws_region": "us-west-1"},
        "",
        "s3_csv",
    ),
    ("https://acme-exports.s3.amazonaws.com/x.csv", {"bucket_name": "acme-exports"}, "", "s3_csv"),
    (
        "https://s3.ap-southeast-2.amazonaws.com/acme-exports/daily/x.csv",
        {"bucket_name": "acme-exports", "aws_region": "ap-southeast-2"},
        "",
        "s3_csv",
    ),
    (
        "https://s3.console.aws.amazon.com/s3/buckets/acme-exports?region=eu-west-1&prefix=daily/&showversions=false",
        {"bucket_name": "acme-exports", "aws_region": "eu-west-1"},
        "",
        "s3_csv",
    ),
    ("arn:aws:s3:::acme-exports/daily", {"bucket_name": "acme-exports"}, "", "s3_csv"),
    ("gs://acme-exports/faraday/", {"bucket_name": "acme-exports"}, "", "gcp_gcs_csv"),
    (
        "https://storage.googleapis.com/acme-exports/daily/orders.csv",
        {"bucket_name": "acme-exports"},
        "",
        "gcp_gcs_csv",
    ),
    (
        "https://console.cloud.google.com/storage/browser/acme-exports/daily?project=acme-data-123",
        {"bucket_name": "acme-exports", "project_id": "acme-data-123"},
        "",
        "gcp_gcs_csv",
    ),
    # ---- BigQuery
    (
        "acme-data-123.analytics",
        {"project_id": "acme-data-123", "dataset_name": "analytics"},
        "",
        "bigquery",
    ),
    (
        "acme-data-123:analytics",
        {"project_id": "acme-data-123", "dataset_name": "analytics"},
        "",
        "bigquery",
    ),
    (
        "`acme-data-123.analytics.orders`",
        {"project_id": "acme-data-123", "dataset_name": "analytics"},
        "",
        "bigquery",
    ),
    (
        "bigquery://acme-data-123/analytics",
        {"project_id": "acme-data-123", "dataset_name": "analytics"},
        "",
        "bigquery",
    ),
    (
        "https://console.cloud.google.com/bigquery?project=acme-data-123&ws=!1m4!1m3!3m2!1sacme-data-123!2sanalytics",
        {"project_id": "acme-data-123", "dataset_name": "analytics"},
        "",
        "bigquery",
    ),
    (
        "https://console.cloud.google.com/bigquery?project=acme-data-123&p=acme-data-123&d=marketing&page=dataset",
        {"project_id": "acme-data-123", "dataset_name": "marketing"},
        "",
        "bigquery",
    ),
    # ---- a URL inside a sentence
    (
        "Use this: postgresql://faraday:pw@db.example.com:5432/analytics. Thanks!",
        {"host": "db.example.com", "port": "5432", "database": "analytics", "user": "faraday"},
        "pw",
        "postgres",
    ),
]

REFUSED = [
    "",
    "   ",
    "hello world",
    "example.com",
    "db.example.com",
    "mongodb://u:pw@mongo.example.com/app",
    "redis://cache.example.com:6379",
    "ftp://files.example.com",
    "postgresql://u:pw@db.example.com:99999/app",
    "postgresql://u:pw@db.example.com:0/app",
    "postgresql://u:pw@[::1/app",
    "postgresql://u:pw@db1.example.com:5432,db2.example.com:5432/app",
    "jdbc:oracle:thin:@db.example.com:1521:orcl",
    "jdbc:sqlserver:sql.example.com",
    "https://www.example.com/some/page",
    "s3://",
    "host=db.example.com port=abc dbname=app",
    "x" * (MAX_LENGTH + 1),
    "postgres://u:pw@db.example.com/app\x00",
]


@pytest.mark.parametrize(("text", "fields", "password", "proposed"), CASES, ids=range(len(CASES)))
def test_real_world_string_reads_into_the_expected_fields(text, fields, password, proposed):
    reading = read_pasted(text)

    if fields is None:
        assert isinstance(reading, Unreadable)
        return
    assert isinstance(reading, Reading), reading
    assert dict(reading.fields) == fields
    assert reading.password == password
    assert reading.password_found is bool(password)
    assert reading.suggested_types[0] == proposed
    assert reading.fits(proposed)


def test_the_table_covers_at_least_sixty_readable_strings():
    assert sum(1 for case in CASES if case[1] is not None) >= 60


@pytest.mark.parametrize("text", REFUSED, ids=range(len(REFUSED)))
def test_unreadable_text_gets_a_plain_message_naming_what_was_expected(text):
    result = read_pasted(text)

    assert isinstance(result, Unreadable)
    assert result.message.startswith(("Couldn't read this", "Nothing was pasted", "That"))
    assert "Expected" in result.message or "connection string" in result.message


def test_every_field_a_reading_can_hold_is_a_catalog_field_name():
    catalog_names = {f.name for t in get_catalog().types.values() for f in t.fields}
    assert catalog_names >= paste.FIELD_NAMES


@pytest.mark.parametrize(("text", "fields", "password", "proposed"), CASES, ids=range(len(CASES)))
def test_proposed_types_exist_and_have_the_fields_read(text, fields, password, proposed):
    reading = read_pasted(text)
    if fields is None:
        return
    types = get_catalog().types
    for type_key in (*reading.suggested_types, *reading.compatible_types):
        assert type_key in types
    names = {f.name for f in types[proposed].fields}
    # The first proposal takes everything read, apart from a few extras a type lacks.
    assert set(reading.fields) - names <= {"schema", "aws_region"}


def test_the_password_never_shows_in_the_reading_repr_or_fields():
    reading = read_pasted("postgresql://u:CANARY-pw-91@db.example.com/app?sslmode=require")

    assert "CANARY-pw-91" not in repr(reading)
    assert "CANARY-pw-91" not in str(reading.fields)
    assert "CANARY-pw-91" not in " ".join((reading.source, *reading.not_used))


def test_settings_it_ignores_are_named_but_unknown_ones_only_counted():
    reading = read_pasted(
        "postgresql://u@db.example.com/app?sslmode=require&sslpassword=CANARY-ssl&zz=1"
    )

    assert "the sslmode setting" in reading.not_used
    assert "2 other settings" in reading.not_used
    assert "CANARY-ssl" not in str(reading.not_used)


def test_a_bucket_folder_is_reported_as_not_used():
    reading = read_pasted("s3://acme-exports/faraday/daily/")

    assert any("folder" in part for part in reading.not_used)


def test_a_generic_postgres_url_fits_every_postgres_flavour_without_proposing_them():
    reading = read_pasted("postgresql://u@db.example.com/app")

    assert reading.suggested_types == ("postgres",)
    assert all(reading.fits(type_key) for type_key in PG)
    assert not reading.fits("mysql")


def test_a_bare_rds_host_proposes_each_engine_it_could_be():
    reading = read_pasted(RDS_HOST)

    assert reading.suggested_types == ("aws_rds_postgres", "aws_rds_mysql", "aws_rds_sql_server")


# ---- hypothesis: built URLs come back, garbage never raises ---------------------------------

_label = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
hosts = (
    st.lists(_label, min_size=2, max_size=4)
    .map(".".join)
    .filter(lambda h: not h.endswith((".rds", ".net", ".com", ".cloud")))
)
names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{1,20}", fullmatch=True)
# Anything but control characters (no connection string has them; the parser refuses them).
secrets = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
ports = st.integers(min_value=1, max_value=65535)
SCHEMES = {
    "postgresql": "postgres",
    "postgresql+psycopg": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "sql_server",
    "redshift": "redshift",
    "clickhouse": "clickhouse",
}


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(sorted(SCHEMES)),
    user=secrets,
    password=secrets,
    host=hosts,
    port=ports,
    database=names,
)
def test_a_url_built_from_valid_fields_reads_back_the_same_fields(
    scheme, user, password, host, port, database
):
    url = f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{quote(database)}"

    reading = read_pasted(url)

    assert isinstance(reading, Reading), (url, reading)
    assert dict(reading.fields) == {
        "user": user,
        "host": host,
        "port": str(port),
        "database": database,
    }
    assert reading.password == password
    assert reading.fits(paste._ENGINE_TYPES[SCHEMES[scheme]][0])


@settings(max_examples=200, deadline=None)
@given(user=names, password=secrets, host=hosts, port=ports, database=names)
def test_libpq_settings_built_with_quoting_read_back(user, password, host, port, database):
    quoted = "'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    text = f"host={host} port={port} dbname={database} user={user} password={quoted}"

    reading = read_pasted(text)

    assert isinstance(reading, Reading), (text, reading)
    assert dict(reading.fields) == {
        "host": host,
        "port": str(port),
        "database": database,
        "user": user,
    }
    assert (
        reading.password == password.strip() if "\n" in password else reading.password == password
    )


@settings(max_examples=200, deadline=None)
@given(user=names, password=secrets, host=hosts, port=ports, database=names)
def test_a_sql_server_jdbc_url_with_braced_values_reads_back(user, password, host, port, database):
    braced = "{" + password.replace("}", "}}") + "}"
    url = f"jdbc:sqlserver://{host}:{port};databaseName={database};user={user};password={braced}"

    reading = read_pasted(url)

    assert isinstance(reading, Reading), (url, reading)
    assert dict(reading.fields) == {
        "host": host,
        "port": str(port),
        "database": database,
        "user": user,
    }
    assert reading.password == password


@settings(max_examples=100, deadline=None)
@given(organization=st.from_regex(r"[a-z][a-z0-9]{2,12}", fullmatch=True), account=names)
def test_a_snowflake_address_reads_back_its_organization_and_account(organization, account):
    reading = read_pasted(f"https://{organization}-{account}.snowflakecomputing.com")

    # Host names are case-insensitive (and so are Snowflake identifiers): they read lower case.
    assert dict(reading.fields) == {
        "organization_name": organization,
        "account_name": account.casefold(),
    }


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_any_text_never_raises(text):
    assert isinstance(read_pasted(text), Reading | Unreadable)


_pieces = st.sampled_from(
    [
        "postgresql://",
        "jdbc:",
        "sqlserver:",
        "//",
        "@",
        ":",
        "[",
        "]",
        "/",
        "?",
        "&",
        "=",
        ";",
        "{",
        "}",
        "'",
        "\\",
        "%",
        "%zz",
        "host=",
        " ",
        "\n",
        "Server=",
        "snowflakecomputing.com",
        "s3://",
        "gs://",
        ".",
        "-",
        "a",
        "1",
        "65536",
        "::1",
        ",",
        "https://app.snowflake.com/",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_pieces, max_size=25).map("".join))
def test_url_shaped_garbage_never_raises(text):
    assert isinstance(read_pasted(text), Reading | Unreadable)


def test_the_parser_imports_nothing_from_django():
    source = Path(paste.__file__).read_text(encoding="utf-8")
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.split(".")[0] == "django"]
    assert not [name for name in imported if name and name.startswith("faraday_admin")]
