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


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    "city_admin": frozenset(Perm),
    "county_officer": frozenset(
        {Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE, Perm.EXPORT,
         Perm.EXPORT_SENSITIVE, Perm.MANAGE_GRIDS, Perm.MANAGE_USERS}
    ),
    "township_officer": frozenset(
        {Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE, Perm.EXPORT, Perm.MANAGE_GRIDS}
    ),
    "community_worker": frozenset(
        {Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY, Perm.VIEW_SENSITIVE, Perm.EXPORT, Perm.MANAGE_GRIDS}
    ),
    "grid_member": frozenset({Perm.VIEW_REGISTRY, Perm.EDIT_REGISTRY}),
    "org_staff": frozenset(),
    "auditor": frozenset({Perm.VIEW_AUDIT}),
}


def role_has(role: str, perm: Perm | str) -> bool:
    """Whether ``role`` grants ``perm``."""
    return Perm(perm) in ROLE_PERMISSIONS.get(role, frozenset())
