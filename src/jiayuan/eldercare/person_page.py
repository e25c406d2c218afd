"""The elder's section on the person page (居民详情): the capacity assessments, latest
first, with the next routine assessment due (:mod:`jiayuan.people.sections`)."""

import datetime

from ..people.sections import PersonSection, register
from django.utils.translation import gettext as _

from . import rules, selectors

HISTORY_SHOWN = 10


def _context(request, person):
    assessments = list(selectors.assessments_of(person)[:HISTORY_SHOWN + 1])
    if not assessments and not request.user.can("assess_elderly"):
        return None
    entitlement = selectors.active_entitlement(person)
    return {"assessments": assessments[:HISTORY_SHOWN], "more": len(assessments) > HISTORY_SHOWN,
            "entitlement": entitlement,
            "entitlement_category": _(rules.ENTITLEMENT_CATEGORIES[entitlement.category]) if entitlement else "",
            "latest": assessments[0] if assessments else None, "today": datetime.date.today(),
            "can_assess": request.user.can("assess_elderly")}


register(PersonSection(code="eldercare_assessments", order=50, template="eldercare/_person_section.html",
                       applies=selectors.can_read, context=_context))
