"""Guards of the ``mediation_case`` declaration: a step that needs a record of the
mediation file waits until the mediation page has recorded it."""

from django.utils.translation import gettext as _

from ...cases.effects import guard


def _file(ctx):
    from ..models import MediationFile

    return MediationFile.objects.filter(case_id=ctx.case.pk).first()


@guard("mediation_has_mediators")
def has_mediators(ctx):
    f = _file(ctx)
    return True if f and f.assignments.exists() else _("请先在调解页面指派调解员")


@guard("mediation_has_agreement")
def has_agreement(ctx):
    from ..models import MediationAgreement

    f = _file(ctx)
    return True if f and MediationAgreement.objects.filter(file=f).exists() else _("请先在调解页面填写调解协议")


@guard("mediation_has_followup")
def has_followup(ctx):
    f = _file(ctx)
    return True if f and f.followups.exists() else _("请先在调解页面记录回访情况")


@guard("mediation_performed")
def performed(ctx):
    f = _file(ctx)
    last = f.followups.order_by("-visited_on", "-id").first() if f else None
    return True if last and last.performance == "full" else _("最近一次回访须记录为“已全部履行”")
