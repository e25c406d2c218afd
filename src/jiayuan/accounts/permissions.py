"""The permission matrix: which role may do what. Documented in docs/permissions.md.

A permission says what a user may do; the scope region says where. Both are needed:
selectors filter every read to the user's subtree, and services check the permission.
"""

from enum import StrEnum


class Perm(StrEnum):
    VIEW_REGISTRY = "view_registry"        # persons, households, tags, grids: masked
    EDIT_REGISTRY = "edit_registry"        # create/update persons and households, tags
    VIEW_SENSITIVE = "view_sensitive"      # unmasked ID number and phone (each view audited)
    EXPORT = "export"                      # export rosters, masked
    EXPORT_SENSITIVE = "export_sensitive"  # export with unmasked ID numbers and phones
    MANAGE_GRIDS = "manage_grids"          # create, rename, split grids; move households
    VIEW_AUDIT = "view_audit"              # browse the audit log of the scope
    MANAGE_USERS = "manage_users"          # create accounts within the scope
    # Cases (cases/, grid/, servicecenter/). Which transition a role may take is declared
    # per case type; these say who may see, open, urge cases and keep the catalogs.
    VIEW_CASES = "view_cases"              # cases in scope (department staff: their department's)
    CREATE_CASES = "create_cases"          # report a grid event, take in a service request
    SUPERVISE_CASES = "supervise_cases"    # 督办: urge with a note on the timeline
    MANAGE_CATALOGS = "manage_catalogs"    # event categories, service items, departments, lists
    MANAGE_CALENDAR = "manage_calendar"    # the official holiday calendar (法定节假日安排), a national fact: city admin only
    ISSUE_CERTIFICATES = "issue_certificates"      # issue certificates on the seal-use list
    DECIDE_CERTIFICATE_KINDS = "decide_certificate_kinds"  # director: kinds on neither list
    ASSIGN_COMMUNITY_TASKS = "assign_community_tasks"      # departments give communities work
    APPROVE_COMMUNITY_TASKS = "approve_community_tasks"    # street approves off-list work
    # Social assistance and subsidies (assistance/, disability/).
    VIEW_ASSISTANCE = "view_assistance"        # applications, enrollments, batches, ledgers in scope
    TAKE_APPLICATIONS = "take_applications"    # 一门受理: take and prepare assistance applications
    REVIEW_APPLICATIONS = "review_applications"  # township review (乡镇审核)
    DECIDE_APPLICATIONS = "decide_applications"  # county decision (县级审批), enrollment changes
    MANAGE_PROGRAMS = "manage_programs"        # programs' parameters (standards, amounts) with effective dates
    RUN_PAYMENTS = "run_payments"              # generate, review, export batches, record results
    APPROVE_PAYMENTS = "approve_payments"      # approve a batch (not the one who generated it)
    EXPORT_PAYEE_ACCOUNTS = "export_payee_accounts"  # whole payee bank accounts in the bank file (audited)
    MANAGE_DISABILITY = "manage_disability"    # record disability certificates
    # Community facilities and funds (facilities/), the community workforce (workforce/).
    VIEW_FACILITIES = "view_facilities"        # service facilities, coverage, work funds in scope
    MANAGE_FACILITIES = "manage_facilities"    # record facilities and their rooms
    PLAN_FUNDS = "plan_funds"                  # work funds: the county's standard, budgeted amounts, allocations
    RECORD_FUND_SPENDING = "record_fund_spending"  # work funds: a community's spending by category
    VIEW_WORKFORCE = "view_workforce"          # community workers, social workers, training in scope
    MANAGE_WORKFORCE = "manage_workforce"      # record workers, grades, qualifications, exams, hours
    MANAGE_TRAINING = "manage_training"        # training sessions and their attendance
    # Elderly care (eldercare/).
    VIEW_ELDERCARE = "view_eldercare"          # capacity assessments (health data: need-to-know), facilities, coverage
    ASSESS_ELDERLY = "assess_elderly"          # be an assessor, record capacity assessments (GB/T 42195-2022)
    MANAGE_ELDERCARE = "manage_eldercare"      # day-care centers and mutual-aid homes, assignments, subsidies
    RECORD_ATTENDANCE = "record_attendance"    # check elders in at a day-care facility, record daily counts
    SUPERVISE_HOMECARE = "supervise_homecare"  # call back and re-check home-care orders, record complaints
    # Social organizations and purchased services (organizations/).
    VIEW_ORGANIZATIONS = "view_organizations"      # the registry of the scope: organizations, filings, incubation, projects
    MANAGE_ORGANIZATIONS = "manage_organizations"  # register and edit organizations, annual inspections, ratings, incubation
    CHECK_FILINGS = "check_filings"                # community: first check of a community organization's filing (备案)
    DECIDE_FILINGS = "decide_filings"              # street/township: decide a filing
    MANAGE_PROJECTS = "manage_projects"            # calls, eligibility, notice, contracts, milestones, evaluations, instalments
    ACT_FOR_ORGANIZATION = "act_for_organization"  # org staff: their own organization, proposals, reports, service records
    # Community governance (governance/). Tips' content is read by no permission: only by
    # the accounts designated as their county's handlers (governance.models.TipHandler).
    COLLECT_TIPS = "collect_tips"              # record a confidential tip (线索); then see its status only
    VIEW_TIP_COUNTS = "view_tip_counts"        # counts of tips by stage for a region and period (no content)
    DESIGNATE_TIP_HANDLERS = "designate_tip_handlers"  # name the county officers who handle tips
    VIEW_MEDIATION = "view_mediation"          # people's mediation cases in scope (read permission of mediation_case)
    MANAGE_BODIES = "manage_bodies"            # self-governance bodies (mediation committee …) and their members
    MANAGE_ACTIVITIES = "manage_activities"    # education activities, volunteers, service records, records of service (personal: audited)
    RUN_EVALUATIONS = "run_evaluations"        # the street's unified evaluation of its communities: items, weights, scores, publication
    # Children (children/): a child's file is need-to-know — its 儿童主任 and 督导员 (duty
    # records naming accounts) and its care team read it; these say who else may.
    VIEW_CHILD_FILES = "view_child_files"      # county/city civil affairs: every child's file in scope (audited)
    MANAGE_CHILDREN_DUTIES = "manage_children_duties"  # name 儿童主任/督导员, see where one is missing
    # Statistics (stats/): indicators, dashboards, the city's report, 一表通 report forms.
    VIEW_STATISTICS = "view_statistics"        # indicators, dashboards and the city's report of the scope (figures; rows by each module's own rules)
    MANAGE_REPORT_FORMS = "manage_report_forms"  # 一表通: data elements and the form catalogue (approve forms)
    ISSUE_REPORT_TASKS = "issue_report_tasks"  # 一表通: issue a catalogued form to the units below, follow completion
    FILL_REPORT_FORMS = "fill_report_forms"    # 一表通: confirm or correct a unit's pre-filled form and submit it


_COMMUNITY_WORKER = frozenset(
    {Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE, Perm.EXPORT, Perm.MANAGE_GRIDS,
     Perm.VIEW_CASES, Perm.CREATE_CASES, Perm.ISSUE_CERTIFICATES,
     Perm.VIEW_ASSISTANCE, Perm.TAKE_APPLICATIONS, Perm.MANAGE_DISABILITY,
     Perm.VIEW_FACILITIES, Perm.MANAGE_FACILITIES,
     Perm.VIEW_ELDERCARE, Perm.ASSESS_ELDERLY, Perm.RECORD_ATTENDANCE, Perm.SUPERVISE_HOMECARE,
     Perm.VIEW_ORGANIZATIONS, Perm.CHECK_FILINGS,
     Perm.COLLECT_TIPS, Perm.VIEW_MEDIATION, Perm.MANAGE_BODIES, Perm.MANAGE_ACTIVITIES,
     Perm.VIEW_STATISTICS, Perm.FILL_REPORT_FORMS}
)

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    "city_admin": frozenset(Perm),
    "county_officer": frozenset(
        {Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE, Perm.EXPORT,
         Perm.EXPORT_SENSITIVE, Perm.MANAGE_GRIDS, Perm.MANAGE_USERS,
         Perm.VIEW_CASES, Perm.CREATE_CASES, Perm.SUPERVISE_CASES, Perm.MANAGE_CATALOGS,
         Perm.ASSIGN_COMMUNITY_TASKS,
         Perm.VIEW_ASSISTANCE, Perm.TAKE_APPLICATIONS, Perm.DECIDE_APPLICATIONS, Perm.MANAGE_PROGRAMS,
         Perm.RUN_PAYMENTS, Perm.APPROVE_PAYMENTS, Perm.EXPORT_PAYEE_ACCOUNTS, Perm.MANAGE_DISABILITY,
         Perm.VIEW_FACILITIES, Perm.MANAGE_FACILITIES, Perm.PLAN_FUNDS, Perm.RECORD_FUND_SPENDING,
         Perm.VIEW_WORKFORCE, Perm.MANAGE_WORKFORCE, Perm.MANAGE_TRAINING,
         Perm.VIEW_ELDERCARE, Perm.ASSESS_ELDERLY, Perm.MANAGE_ELDERCARE, Perm.RECORD_ATTENDANCE,
         Perm.SUPERVISE_HOMECARE,
         Perm.VIEW_ORGANIZATIONS, Perm.MANAGE_ORGANIZATIONS, Perm.MANAGE_PROJECTS,
         Perm.COLLECT_TIPS, Perm.VIEW_TIP_COUNTS, Perm.VIEW_MEDIATION, Perm.MANAGE_BODIES,
         Perm.MANAGE_ACTIVITIES, Perm.RUN_EVALUATIONS,
         Perm.VIEW_CHILD_FILES, Perm.MANAGE_CHILDREN_DUTIES,
         Perm.VIEW_STATISTICS, Perm.MANAGE_REPORT_FORMS, Perm.ISSUE_REPORT_TASKS}
    ),
    "township_officer": frozenset(
        {Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE, Perm.EXPORT, Perm.MANAGE_GRIDS,
         Perm.VIEW_CASES, Perm.CREATE_CASES, Perm.SUPERVISE_CASES, Perm.APPROVE_COMMUNITY_TASKS,
         Perm.VIEW_ASSISTANCE, Perm.TAKE_APPLICATIONS, Perm.REVIEW_APPLICATIONS, Perm.MANAGE_DISABILITY,
         Perm.VIEW_FACILITIES, Perm.MANAGE_FACILITIES, Perm.RECORD_FUND_SPENDING,
         Perm.VIEW_WORKFORCE, Perm.MANAGE_WORKFORCE, Perm.MANAGE_TRAINING,
         Perm.VIEW_ELDERCARE, Perm.ASSESS_ELDERLY, Perm.RECORD_ATTENDANCE, Perm.SUPERVISE_HOMECARE,
         Perm.VIEW_ORGANIZATIONS, Perm.DECIDE_FILINGS,
         Perm.COLLECT_TIPS, Perm.VIEW_TIP_COUNTS, Perm.VIEW_MEDIATION, Perm.MANAGE_BODIES,
         Perm.MANAGE_ACTIVITIES, Perm.RUN_EVALUATIONS,
         Perm.MANAGE_CHILDREN_DUTIES,
         Perm.VIEW_STATISTICS, Perm.ISSUE_REPORT_TASKS, Perm.FILL_REPORT_FORMS}
    ),
    "community_director": _COMMUNITY_WORKER | {Perm.DECIDE_CERTIFICATE_KINDS, Perm.RECORD_FUND_SPENDING, Perm.VIEW_WORKFORCE},
    "community_worker": _COMMUNITY_WORKER,
    "grid_member": frozenset({Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY, Perm.VIEW_CASES, Perm.CREATE_CASES,
                              Perm.COLLECT_TIPS}),
    "department_staff": frozenset({Perm.VIEW_CASES, Perm.ASSIGN_COMMUNITY_TASKS}),
    "org_staff": frozenset({Perm.ACT_FOR_ORGANIZATION}),
    "auditor": frozenset({Perm.VIEW_AUDIT}),
}

# A role that also acts in the place of others where case types name roles for their
# transitions: the community's director (书记/主任) does everything a community worker does.
ROLE_ACTS_AS: dict[str, frozenset[str]] = {
    "community_director": frozenset({"community_worker"}),
}


def acting_roles(role: str) -> frozenset[str]:
    """``role`` and the roles it acts as (ROLE_ACTS_AS)."""
    return frozenset({role}) | ROLE_ACTS_AS.get(role, frozenset())


def role_has(role: str, perm: Perm | str) -> bool:
    """Whether ``role`` grants ``perm``."""
    return Perm(perm) in ROLE_PERMISSIONS.get(role, frozenset())


# Two-factor sign-in (docs/permissions.md): the administrators, the county officers and
# auditors by office, and every role that reads or exports unmasked ID numbers and phones.
SECOND_FACTOR_BY_OFFICE = frozenset({"city_admin", "county_officer", "auditor"})
SECOND_FACTOR_PERMS = frozenset({Perm.VIEW_SENSITIVE, Perm.EXPORT_SENSITIVE})
SECOND_FACTOR_ROLES: frozenset[str] = SECOND_FACTOR_BY_OFFICE | frozenset(
    role for role, perms in ROLE_PERMISSIONS.items() if perms & SECOND_FACTOR_PERMS)


def role_needs_second_factor(role: str, is_superuser: bool = False) -> bool:
    """Whether an account of ``role`` must sign in with a second factor where it is
    required (production). The system administrator (superuser) always does."""
    return is_superuser or role in SECOND_FACTOR_ROLES
# --- who may manage which accounts (系统管理) --------------------------------------------

# The order of roles for granting, highest first. An administrator grants only roles at or
# below its own rank (same rank included: a county officer may create another county
# officer of its county), never above; ``city_admin`` and system administrators
# (superusers) are created only by a system administrator. Roles of equal rank share a
# number. Department staff rank with community workers and social organisations' staff
# with grid members (neither manages accounts: the rank only bounds who may grant them).
# The auditor ranks with the city administrator: an auditor reads the audit log of the
# administrators' own work (a permission no county officer holds), so only a city or
# system administrator creates one — a county officer cannot give itself a second account
# that reads the log.
ROLE_RANK: dict[str, int] = {
    "city_admin": 60,
    "county_officer": 50,
    "township_officer": 40,
    "community_director": 30,
    "community_worker": 20,
    "grid_member": 10,
    "department_staff": 20,
    "org_staff": 10,
    "auditor": 60,
}

# Roles only a system administrator (superuser) grants.
SUPERUSER_ONLY_ROLES: frozenset[str] = frozenset({"city_admin"})


def may_grant(user, role: str) -> bool:
    """Whether ``user`` (an administrator holding manage_users) may give an account the
    role ``role``: a superuser grants every role; ``city_admin`` only a superuser; any
    other administrator a role whose ROLE_RANK is at most its own. Unknown roles: no."""
    if role not in ROLE_RANK:
        return False
    if user.is_superuser:
        return True
    if role in SUPERUSER_ONLY_ROLES:
        return False
    own = ROLE_RANK.get(user.role)
    return own is not None and ROLE_RANK[role] <= own


def manages_region(user, region_code: str | None) -> bool:
    """Whether ``region_code`` (an account's scope, a department's region) lies inside
    ``user``'s scope (a superuser's is the whole tree; an empty or missing code — an
    unscoped account — only a superuser's)."""
    if user.is_superuser:
        return True
    if not region_code:
        return False
    return region_code.startswith(user.scope_code)
