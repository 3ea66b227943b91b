"""Request bodies shared by the simulator tests."""


def postgres(**changes):
    return {
        "type": "postgres",
        "host": "db.example.com",
        "port": 5432,
        "database": "shop",
        "schema": "public",
        "user": "faraday",
        "password": "s3cret-pass",
        **changes,
    }


def snowflake(**changes):
    return {
        "type": "snowflake",
        "database": "MARKETING",
        "user": "FARADAY",
        "warehouse": "COMPUTE_WH",
        **changes,
    }


def clickhouse(**changes):
    return {
        "type": "clickhouse",
        "host": "ch.example.com",
        "port": 9440,
        "database": "events",
        "user": "faraday",
        **changes,
    }
