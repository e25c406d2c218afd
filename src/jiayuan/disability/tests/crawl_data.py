"""Records of the disability service network for the every-page crawl: an association
and a helper group of 交通巷社区 with members, and a service to a certificate holder."""

import datetime

from jiayuan.audit.services import Actor
from jiayuan.disability import services


def seed(users, persons):
    a = Actor(users["county"], "page")
    assoc = services.register_network_organization(a, level="village_association", name="交通巷社区残协",
                                                   region_code="620702001001", founded_on=datetime.date(2024, 1, 1))
    services.register_network_organization(a, level="helper_group", name="交通巷社区助残小组",
                                           region_code="620702001001", founded_on=datetime.date(2024, 1, 1))
    services.add_network_member(a, assoc, name="李专委", role="full_time_member", since=datetime.date(2024, 1, 1))
    from jiayuan.disability.models import DisabilityCertificate

    cert = DisabilityCertificate.objects.filter(status="valid", person__region__code__startswith="620702001001").first()
    if cert is not None:
        services.record_service(a, cert.person, kind="home_visit", provided_on=max(cert.issued_on,
                                                                                  datetime.date(2026, 1, 5)),
                                description="入户走访", provider_id=assoc.pk)
