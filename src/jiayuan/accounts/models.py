"""Users with one role and one scope region; API tokens stored hashed; the index of\nsession keys per user."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .permissions import Perm, role_has


class User(AbstractUser):
    """A person who logs in. ``scope`` is the root of the region subtree they see;
    a superuser (system administrator) has no scope and sees the whole tree."""

    class Role(models.TextChoices):
        CITY_ADMIN = "city_admin", _("市级管理员")
        COUNTY_OFFICER = "county_officer", _("县（区）民政干部")
        TOWNSHIP_OFFICER = "township_officer", _("乡镇（街道）干部")
        COMMUNITY_DIRECTOR = "community_director", _("社区（村）负责人")
        COMMUNITY_WORKER = "community_worker", _("社区工作者")
        GRID_MEMBER = "grid_member", _("网格员")
        DEPARTMENT_STAFF = "department_staff", _("职能部门工作人员")
        ORG_STAFF = "org_staff", _("社会组织人员")
        AUDITOR = "auditor", _("审计员")

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    scope = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_column="scope_code", verbose_name=_("管辖范围"),
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # Set when an administrator resets the password: the user must choose a new one at
    # the next login before any other page (accounts.middleware.MustChangePasswordMiddleware).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    # `jiayuan createsuperuser --noinput` needs only DJANGO_SUPERUSER_USERNAME / _PASSWORD.
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_scoped_unless_superuser",
                condition=models.Q(is_superuser=True) | models.Q(scope__isnull=False) | models.Q(is_active=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def scope_code(self) -> str:
        """Prefix of every region code this user may see ('' = whole tree)."""
        if self.is_superuser:
            return ""
        # An unscoped non-superuser sees nothing: no region code starts with "-" (codes are
        # digits). Not NUL, which PostgreSQL refuses in a text parameter.
        return self.scope_id or "-"

    def can(self, perm: Perm | str) -> bool:
        """Whether the user's role grants ``perm`` (superusers hold every permission)."""
        if not self.is_active:
            return False
        return self.is_superuser or role_has(self.role, perm)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Digest of the user's password hash when the token was issued: changing the
    # password invalidates every token issued before.
    password_fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def is_valid(self) -> bool:
        return (not self.revoked and self.expires_at > timezone.now() and self.user.is_active
                and self.password_fingerprint == password_fingerprint(self.user))


class UserSession(models.Model):
    """Index of the sessions a user signed in with (written on ``user_logged_in``), so that
    deactivating an account can delete its sessions without decoding every session row."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


def password_fingerprint(user) -> str:
    """SHA-256 of the user's stored password hash (changes with every new password)."""
    import hashlib

    return hashlib.sha256(user.password.encode("utf-8")).hexdigest()
