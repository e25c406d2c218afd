"""Bearer-token authentication for the API. Tokens are stored as SHA-256 digests with
an expiry; a request with a valid token acts as the token's user (audit source "api")."""

from django.utils import timezone
from ninja.security import HttpBearer

from ..accounts.models import ApiToken
from ..audit.services import Actor
from ..security import token_digest


class BearerAuth(HttpBearer):
    def authenticate(self, request, token: str):
        row = ApiToken.objects.select_related("user", "user__scope").filter(digest=token_digest(token)).first()
        if row is None or not row.is_valid():
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)  # not a registry write; not audited
        request.user = row.user
        request.auth_token = row  # the token in use: POST /auth/logout revokes it
        return row.user


def actor(request) -> Actor:
    """The audit actor of an API request."""
    return Actor(request.auth, "api")
