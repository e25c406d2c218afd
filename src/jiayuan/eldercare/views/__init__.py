"""Pages of elderly care: capacity assessments (:mod:`.assessments`) and day-care
facilities with attendance and coverage (:mod:`.facilities`)."""

from .assessments import (assessment_detail, assessment_export, assessment_list, assessment_new,  # noqa: F401
                          assessment_score)
from .facilities import (coverage, coverage_export, facility_assign, facility_attendance, facility_detail,  # noqa: F401
                         facility_edit, facility_export, facility_list, facility_new, facility_subsidy)
from .homecare import (entitlement_export, entitlement_list, entitlement_new, homecare, homecare_item,  # noqa: F401
                       homecare_standard)
