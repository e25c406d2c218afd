"""The elder's section on the person page (居民详情): the capacity assessments, latest
first, with the next routine assessment due; the home-care entitlement; the day-care
facility attended; this month's home-care orders (:mod:`jiayuan.people.sections`)."""

import datetime

from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..people.sections import PersonSection, register
from . import rules, selectors
from .orders import selectors as order_selectors

HISTORY_SHOWN = 10


def _context(request, person):
    assessments = list(selectors.assessments_of(person)[:HISTORY_SHOWN + 1])
    entitlement = selectors.active_entitlement(person)
    attended = selectors.facility_attended(person)
    can_assess = request.user.can(Perm.ASSESS_ELDERLY)
    if not assessments and not can_assess and attended is None:
        return None
    month = datetime.date.today().replace(day=1)
    orders = list(order_selectors.orders_for(request.user).filter(person=person, month=month)
                  .order_by("scheduled_on", "id")[:40])
    return {"orders": orders, "assessments": assessments[:HISTORY_SHOWN], "more": len(assessments) > HISTORY_SHOWN,
            "latest": assessments[0] if assessments else None, "today": datetime.date.today(),
            "entitlement": entitlement, "attended": attended, "can_assess": can_assess,
            "entitlement_category": _(rules.ENTITLEMENT_CATEGORIES[entitlement.category]) if entitlement else ""}


register(PersonSection(code="eldercare_assessments", order=50, template="eldercare/_person_section.html",
                       applies=selectors.can_read, context=_context))
