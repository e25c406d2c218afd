"""Reads of the whole database for backups (PostgreSQL): the tables, their row counts,
a fingerprint of each table's content, the audit chain's head. No scope: these serve
the operator's ``jiayuan backup``/``restore`` commands and the drill, never a page."""

from django.db import connection

from jiayuan.audit.models import ChainHead
from jiayuan.audit.rules import ALGORITHM, GENESIS_HASH


def table_names() -> list[str]:
    """The tables of the database's ``public`` schema (the project's and Django's),
    sorted."""
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        return [r[0] for r in cur.fetchall()]


def table_counts() -> dict[str, int]:
    """Rows per table (exact ``count(*)``), in the caller's snapshot when it runs inside
    a transaction."""
    out = {}
    with connection.cursor() as cur:
        for name in table_names():
            cur.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
            out[name] = cur.fetchone()[0]
    return out


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """Per table: (rows, md5 of the sorted md5s of its rows' text form), independent of
    the rows' physical order: two databases with the same content give the same
    fingerprints (the restore drill compares them)."""
    out = {}
    with connection.cursor() as cur:
        for name in table_names():
            q = connection.ops.quote_name(name)
            cur.execute(f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
                        f"FROM (SELECT md5(t::text) AS h FROM {q} t) s")
            out[name] = tuple(cur.fetchone())
    return out


def chain_head() -> dict:
    """The audit chain's head: ``{"seq": int, "hash": str, "algorithm": int}`` (the
    genesis values when nothing was ever audited)."""
    head = ChainHead.objects.filter(id=1).values("last_seq", "last_hash", "algorithm").first()
    if head is None:
        return {"seq": 0, "hash": GENESIS_HASH, "algorithm": ALGORITHM}
    return {"seq": head["last_seq"], "hash": head["last_hash"], "algorithm": head["algorithm"]}
