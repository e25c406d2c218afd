"""The payee account of an enrollment (发放账户: bank card, 社保卡 or 一卡通 account).

The enrollment keeps two things: ``payee_account``, the masked tail shown everywhere
(``****1234``), and ``payee_account_cipher``, the whole account encrypted with
:func:`jiayuan.security.encrypt` (AES-256-GCM, as ID numbers and phones). Only the
payment file exported with ``export_sensitive`` decrypts it
(:func:`jiayuan.assistance.services.batches.export_rows`). Enrollments made before the
cipher existed keep only the tail: their lines are marked in the payment file until
the whole account is entered here.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import security
from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, ValidationFailed
from ...people.services import require
from ..models import Enrollment, EnrollmentEvent

ACCOUNT_DIGITS = (12, 30)
"""Length range of an account in digits (bank cards 16–19; 社保卡 financial accounts and
一卡通 accounts of the county's agent bank 12–30)."""


def mask(account: str) -> str:
    """``****`` + the last four characters (the form shown everywhere)."""
    return f"****{account[-4:]}" if account else ""


def clean_account(raw: str) -> str:
    """Digits of ``raw`` without spaces or hyphens; ValidationFailed
    ``account.invalid`` unless 12–30 digits remain."""
    text = "".join(ch for ch in str(raw or "") if ch not in " -\u3000")
    if not text.isdigit() or not ACCOUNT_DIGITS[0] <= len(text) <= ACCOUNT_DIGITS[1]:
        raise ValidationFailed({"account": [{"code": "account.invalid", "message": _(
            "发放账户应为 12 至 30 位数字（银行卡、社保卡或一卡通账号，可含空格）")}]})
    return text


def set_payee_account(actor: Actor, enrollment: Enrollment, account: str, *, version: int | None = None,
                      reason: str = "") -> Enrollment:
    """Store the whole payee ``account`` of ``enrollment`` (``decide_applications``: the
    county changes enrollments; the enrollment's region in the actor's scope, else
    Forbidden): encrypted in ``payee_account_cipher``, its tail in ``payee_account``;
    version + 1, an ``account_changed`` event and an audit entry
    (``assistance.enrollment.account``) — both with the masked tails only, never the
    account. Raises ValidationFailed (``account.invalid``), Conflict
    (``enrollment.version_conflict`` when ``version`` is stale), Forbidden."""
    require(actor, Perm.DECIDE_APPLICATIONS)
    number = clean_account(account)
    scope = actor.user.scope_code or ""
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if not locked.region_id.startswith(scope):
            raise Forbidden("region.out_of_scope", _("该享受对象不在您的管辖范围内"))
        if version is not None and locked.version != int(version):
            raise Conflict("enrollment.version_conflict", _(
                "该享受对象已被他人修改（您看到的是第 %(mine)s 版，当前为第 %(now)s 版），请刷新后重试")
                % {"mine": version, "now": locked.version})
        before = locked.payee_account
        locked.payee_account = mask(number)
        locked.payee_account_cipher = security.encrypt(number)
        locked.version = F("version") + 1
        locked.save(update_fields=["payee_account", "payee_account_cipher", "version", "updated_at"])
        locked.refresh_from_db()
        EnrollmentEvent.objects.create(enrollment=locked, kind="account_changed", at=timezone.now(),
                                       actor=actor.user, reason=(reason or "")[:500],
                                       data={"before": before, "after": locked.payee_account})
        record(actor, "assistance.enrollment.account", locked, region_code=locked.region_id,
               changes={"payee_account": [before, locked.payee_account]})
    return locked
