"""Faraday Connections Admin's performance bench: `.venv/bin/python bench/run.py`.

Prints one table (figure, budget, PASS/FAIL per measurement) and exits 1 when a budget fails,
2 when the bench itself could not run. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project root, for `faraday_admin` (bench/, the script's folder, is on the path already).
sys.path.insert(1, str(ROOT))


def _settings_env(db_path: Path) -> dict[str, str]:
    """Production settings on a throwaway SQLite file. Explicit values win over a local .env."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "faraday_admin.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "LOG_LEVEL": "WARNING",
    }


def _prepare(username: str, password: str):
    """Migrate the bench database, collect static files (DEBUG=false serves them through the
    manifest, into the git-ignored staticfiles/) and return a superuser: every permission."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    # 1,000 users in all, for the admin change list the warm list page is measured against.
    User.objects.bulk_create(
        User(username=f"person{i:03d}", email=f"person{i:03d}@example.com") for i in range(999)
    )
    return User.objects.create_superuser(username, password=password)


def _server_figures(label: str, server_run, **kwargs) -> list:
    """The figures of a run that starts servers; its failure is one failing row, not the end of
    the bench."""
    # Imported where main() imports them: once Django is set up.
    from load import LoadError
    from results import Result

    try:
        return server_run(**kwargs)
    except LoadError as error:
        print(f"{label.capitalize()} failed: {error}", file=sys.stderr)
        reason = str(error).splitlines()[0]
        return [Result(label, f"could not run: {reason}", "runs", False)]


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="faraday-bench-"))
    username, password = "bench", secrets.token_urlsafe(16)
    try:
        env = _settings_env(workdir / "bench.sqlite3")
        # In-process, the app talks to the tests' fake Faraday (a key + URL, answered by respx).
        from fleet import API_KEY, BASE_URL, fake_faraday

        os.environ.update({**env, "FARADAY_API_KEY": API_KEY, "FARADAY_API_URL": BASE_URL})
        import django

        django.setup()

        import inprocess
        import load
        import scaleout
        import sweep
        from results import table

        started = time.monotonic()
        user = _prepare(username, password)
        fake = fake_faraday()
        _record_some_as_created_here(fake, user)
        print(f"In-process: {inprocess.SAMPLES} timed requests per page…", file=sys.stderr)
        with fake.router:
            results = inprocess.run(fake, user)
            print(f"Sweep: {sweep.RUNS} sweeps over the same list…", file=sys.stderr)
            results += sweep.run(fake)
        print("Load run: simulator + gunicorn + wrk on 127.0.0.1…", file=sys.stderr)
        # INFO: the simulator logs each request it answers, which the runs count.
        server_env = {**env, "LOG_LEVEL": "INFO"}
        logins = {"workdir": workdir, "username": username, "password": password}
        results += _server_figures("load run", load.run, env=server_env, **logins)
        print(
            f"Scale-out run: {scaleout.VIEWERS} viewers for {scaleout.WINDOW_S} s, then "
            f"{scaleout.FRESHNESS_TRIES} creates…",
            file=sys.stderr,
        )
        results += _server_figures("scale-out run", scaleout.run, env=server_env, **logins)
    except Exception as error:  # anything else means no figures at all: say why, exit 2
        traceback.print_exc()
        print(f"bench could not run: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(results))
    failed = [r for r in results if r.passed is False]
    print(
        f"\n{len(results) - len(failed)} of {len(results)} rows within budget "
        f"({sum(r.passed is not None for r in results)} budgeted) in "
        f"{time.monotonic() - started:.0f} s."
        + (f" FAILED: {', '.join(r.name for r in failed)}" if failed else "")
    )
    return 1 if failed else 0


def _record_some_as_created_here(fake, user) -> None:
    """Every tenth connection was created through this app, so "created here by" has rows."""
    from faraday_admin.connections.models import ConnectionRecord

    ConnectionRecord.objects.bulk_create(
        ConnectionRecord(
            faraday_id=c["id"],
            connection_type=c["options"]["type"],
            name=c["name"],
            created_by=user,
            created_by_username=user.get_username(),
        )
        for c in list(fake.connections.values())[::10]
    )


if __name__ == "__main__":
    sys.exit(main())
