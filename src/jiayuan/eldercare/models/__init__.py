"""Models of elderly care: assessments, facilities, the home-care catalogue and
entitlements (:mod:`.core`); home-care contracts, plans, work orders, call-backs,
complaints and settlements (:mod:`.orders`)."""

from .core import *  # noqa: F401,F403
from .core import (CapacityAssessment, CheckIn, DailyAttendance, DayCareCenter, Entitlement,  # noqa: F401
                   EntitlementStandard, FacilityAssignment, FacilityKind, FacilitySubsidy, HomeCareItem, Level,
                   Reason, SubsidyKind)
from .orders import *  # noqa: F401,F403
