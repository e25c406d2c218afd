"""To-do source of the service center: kinds of certificate on neither list that the
desk was asked for and that wait for the community director's decision
(:class:`.models.CertificateKindRequest` without a :class:`.models.CertificateKindDecision`),
for ``decide_certificate_kinds`` in the communities of the user's scope."""

from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from .models import CertificateKindDecision, CertificateKindRequest


def kinds_awaiting_decision(user):
    """Requests in the user's scope with no decision recorded yet, oldest ask first."""
    if not user.can(Perm.DECIDE_CERTIFICATE_KINDS):
        return CertificateKindRequest.objects.none()
    decided = CertificateKindDecision.objects.filter(community=OuterRef("community"), kind_name=OuterRef("kind_name"))
    qs = CertificateKindRequest.objects.select_related("community").filter(~Exists(decided))
    if not user.is_superuser:
        qs = qs.filter(community__code__startswith=user.scope_code)
    return qs.order_by("first_asked_at", "id")


def _items(user, limit: int) -> list[TodoItem]:
    url = reverse("servicecenter:decision_new")
    return [TodoItem(title=r.kind_name, url=f"{url}?{urlencode({'kind': r.kind_name})}", region=r.community_id,
                     detail=_("%(community)s · 申请 %(n)s 次") % {"community": r.community.name, "n": r.times})
            for r in kinds_awaiting_decision(user)[:limit]]


register(TodoSource(
    code="certificate_decisions", label=_lazy("待决定的证明事项"), icon="bi-patch-question", order=50,
    applies=lambda user: user.can(Perm.DECIDE_CERTIFICATE_KINDS),
    count=lambda user: kinds_awaiting_decision(user).count(),
    items=_items, url="servicecenter:decision_new",
))
