"""Test helper: empty PostgreSQL databases of their own on the server the suite uses
(the backup drill restores into one; the fault drills run real processes against one)."""

import uuid

from django.db import connection


def admin_params() -> dict:
    """psycopg connection parameters for the server's ``postgres`` database."""
    s = connection.settings_dict
    return {"host": s.get("HOST") or "127.0.0.1", "port": s.get("PORT") or 5432, "user": s.get("USER"),
            "password": s.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True}


def url_of(name: str) -> str:
    s = connection.settings_dict
    auth = (s.get("USER") or "") + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    p = admin_params()
    return f"postgres://{auth + '@' if auth else ''}{p['host']}:{p['port']}/{name}"


class EmptyDatabases:
    """``make(prefix) -> (name, url)`` creates an empty database; ``drop_all()`` drops
    every one it made (``WITH (FORCE)``)."""

    def __init__(self):
        self.names: list[str] = []

    def make(self, prefix: str = "jiayuan_drill") -> tuple[str, str]:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(**admin_params()) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return name, url_of(name)

    def drop_all(self) -> None:
        import psycopg

        with psycopg.connect(**admin_params()) as admin:
            for name in self.names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
