"""Tables of the governance app, one module per part (tips; self-governance bodies;
mediation; access requests, evaluation, activities and volunteers as they are built)."""

from .bodies import BodyElection, BodyKind, BodyMember, Compact, CompactVersion, SelfGovernanceBody  # noqa: F401
from .mediation import (  # noqa: F401
    MediationAgreement,
    MediationAssignment,
    MediationFile,
    MediationFollowUp,
    MediationPoliceReport,
    MediationRefusal,
    MediationSession,
)
from .tips import Tip, TipEvent, TipHandler  # noqa: F401
from .activities import (  # noqa: F401
    Activity,
    ActivityKind,
    ActivityPhoto,
    ServiceCertificate,
    ServiceRecord,
    Volunteer,
    VolunteerTeam,
)
from .evaluation import EvaluationItem, EvaluationObjection, EvaluationRound, EvaluationScore  # noqa: F401
