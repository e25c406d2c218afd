"""``{% disability_services person %}``: the services delivered to a disabled person, on
the person's page (the page already checked scope); shown to ``manage_disability`` roles."""

from django import template

from ...accounts.permissions import Perm
from .. import selectors

register = template.Library()


@register.inclusion_tag("disability/_person_services.html", takes_context=True)
def disability_services(context, person):
    user = context["request"].user
    if not user.can(Perm.MANAGE_DISABILITY):
        return {"show": False}
    services = list(selectors.services_of(person)[:20])
    has_cert = selectors.valid_certificate(person) is not None
    return {"show": bool(services) or has_cert, "services": services, "person": person}
