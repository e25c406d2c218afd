"""Reading and verifying the audit log."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..accounts.permissions import Perm
from .models import AuditEntry, ChainHead
from .rules import GENESIS_HASH
from .services import hash_content


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
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def verify_chain(chunk_size: int = 5000) -> VerifyResult:
    """Walk the whole chain in sequence order and check every link.

    Detects: an altered entry (its hash no longer matches its content), a deleted
    entry (a gap in ``seq`` or a broken ``prev_hash`` link), and deleted newest entries
    (the chain head names a later sequence number or another hash).
    """
    expected_seq, prev = 1, GENESIS_HASH
    checked = 0
    fields = [f.attname for f in AuditEntry._meta.concrete_fields]
    for row in AuditEntry.objects.order_by("seq").values(*fields).iterator(chunk_size=chunk_size):
        seq = row["seq"]
        if seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"第 {expected_seq} 条记录缺失（下一条为第 {seq} 条）")
        if row["prev_hash"] != prev:
            return VerifyResult(False, checked, seq, f"第 {seq} 条记录的前序哈希与第 {seq - 1} 条不符")
        if hash_content(row) != row["entry_hash"]:
            return VerifyResult(False, checked, seq, f"第 {seq} 条记录的内容已被改动（哈希不符）")
        prev = row["entry_hash"]
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(id=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if last_seq != checked or last_hash != prev:
        return VerifyResult(False, checked, checked + 1, f"链尾记录缺失：应有 {last_seq} 条，实有 {checked} 条")
    return VerifyResult(True, checked)
