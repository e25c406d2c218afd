"""Reading and verifying the audit log."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from .. import security
from ..accounts.permissions import Perm
from .models import AuditEntry, ChainHead
from .rules import ALGORITHM, GENESIS_HASH, hash_content


def entries_for(user, *, action: str = "", actor: str = "", object_type: str = "",
                object_id: str = "", region: str = "", date_from=None, date_to=None) -> QuerySet:
    """Audit entries an auditor (or administrator) may browse: those of their scope's
    subtree, plus entries with no region made by users of that scope. Empty for users
    without the view_audit permission."""
    if not user.can(Perm.VIEW_AUDIT):
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.all()
    scope = user.scope_code
    if scope:
        qs = qs.filter(Q(region_code__startswith=scope) | Q(region_code="", actor__scope__code__startswith=scope))
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if region:
        qs = qs.filter(region_code__startswith=region)
    # Local days as ranges of the stored instant (not ``__date``, a function of the
    # column no index serves).
    if date_from:
        qs = qs.filter(occurred_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(occurred_at__lt=_day_start(date_to + timedelta(days=1)))
    return qs.order_by("-seq")


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def history_of(obj) -> QuerySet:
    """Entries about one object, newest first (for a person's change history)."""
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-seq")


@dataclass
class VerifyResult:
    """``ok``; ``checked``: entries checked; ``bad_seq``: the first bad entry (None when
    the fault is not one entry's, e.g. the head's algorithm); ``reason``: Chinese text;
    ``head_seq``/``head_hash``: the chain head as read in the verified snapshot;
    ``anchors``: anchors checked."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    anchors: int = 0


@contextmanager
def read_snapshot():
    """One consistent, read-only view of the database for the block.

    PostgreSQL: a ``REPEATABLE READ READ ONLY`` transaction (every query of the block
    sees the same snapshot; a read-only transaction never conflicts). SQLite: one
    ``BEGIN DEFERRED`` read transaction (with the project's WAL journal, its snapshot is
    taken at the first read and kept until ``COMMIT``, and writers go on meanwhile;
    not Django's ``atomic``, whose ``BEGIN IMMEDIATE`` would take the write lock and
    stop every writer while the log is verified). Inside a caller's transaction
    (``atomic``) the block runs in it, as it stands.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            if raw.in_transaction:
                raw.execute("COMMIT")
        return
    with transaction.atomic():
        yield


def verify_chain(chunk_size: int = 5000, anchors: list[dict] | None = None) -> VerifyResult:
    """Walk the whole chain in sequence order, in one consistent snapshot
    (:func:`read_snapshot`: entries written while it runs are simply not seen, never
    taken for tampering), and check every link and the keyed hash of every entry.

    Detects: an altered entry (its keyed hash no longer matches its content; an attacker
    without the audit key cannot compute a matching one), a deleted entry (a gap in
    ``seq`` or a broken ``prev_hash`` link), deleted newest entries (the chain head
    names a later sequence number or another hash), and a chain head of another
    algorithm version. ``anchors`` (``rules.parse_anchor`` dicts, kept elsewhere by
    ``jiayuan audit anchor``): the stored hash at each anchor's ``seq`` must equal the
    anchor's, which catches a chain rewritten consistently even with the key, before
    the last anchor. Streams entries ``chunk_size`` at a time. The first fault, in
    sequence order, is reported.
    """
    anchors = anchors or []
    for a in anchors:
        if a["algorithm"] != ALGORITHM:
            return VerifyResult(False, 0, a["seq"], gettext(
                "锚点（第 %(seq)s 条）的算法版本为 %(found)s，当前为 %(algorithm)s，无法用于校验")
                % {"seq": a["seq"], "found": a["algorithm"], "algorithm": ALGORITHM})
    by_seq: dict[int, list[dict]] = {}
    for a in anchors:
        by_seq.setdefault(a["seq"], []).append(a)
    hasher = security.audit_hasher()
    fields = [f.attname for f in AuditEntry._meta.concrete_fields]
    with read_snapshot():
        head = ChainHead.objects.filter(id=1).values("last_seq", "last_hash", "algorithm").first()
        last_seq = head["last_seq"] if head else 0
        last_hash = head["last_hash"] if head else GENESIS_HASH
        algorithm = head["algorithm"] if head else ALGORITHM

        def result(ok, checked, bad_seq=None, reason=""):
            return VerifyResult(ok, checked, bad_seq, reason, last_seq, last_hash, len(anchors))

        if algorithm != ALGORITHM:
            return result(False, 0, None, gettext("链头记录的算法版本为 %(found)s，本程序只校验版本 %(algorithm)s")
                          % {"found": algorithm, "algorithm": ALGORITHM})
        expected_seq, prev = 1, GENESIS_HASH
        checked = 0
        for row in AuditEntry.objects.order_by("seq").values(*fields).iterator(chunk_size=chunk_size):
            seq = row["seq"]
            if seq != expected_seq:
                return result(False, checked, expected_seq, gettext(
                    "第 %(seq)s 条记录缺失（下一条为第 %(next)s 条）") % {"seq": expected_seq, "next": seq})
            if row["prev_hash"] != prev:
                return result(False, checked, seq, gettext("第 %(seq)s 条记录的前序哈希与第 %(prev)s 条不符")
                              % {"seq": seq, "prev": seq - 1})
            if hash_content(row, hasher) != row["entry_hash"]:
                return result(False, checked, seq, gettext("第 %(seq)s 条记录的内容已被改动（哈希不符）") % {"seq": seq})
            for a in by_seq.get(seq, ()):
                if a["hash"] != row["entry_hash"]:
                    return result(False, checked, seq, gettext(
                        "第 %(seq)s 条记录的哈希与锚点不符（锚点记于 %(time)s）：此前的记录已被改写")
                        % {"seq": seq, "time": a["time"] or "?"})
            prev = row["entry_hash"]
            expected_seq += 1
            checked += 1
        if last_seq != checked or last_hash != prev:
            return result(False, checked, checked + 1, gettext("链尾记录缺失：应有 %(expected)s 条，实有 %(found)s 条")
                          % {"expected": last_seq, "found": checked})
        beyond = [a for a in anchors if a["seq"] > checked]
        if beyond:
            a = min(beyond, key=lambda x: x["seq"])
            return result(False, checked, a["seq"], gettext(
                "锚点所记第 %(seq)s 条记录不存在（日志只有 %(found)s 条）：记录已被删除或日志已被替换")
                % {"seq": a["seq"], "found": checked})
        return result(True, checked)
