"""``/api/v1/auth``: token issue."""

from datetime import datetime

from django.utils import timezone
from ninja import Router, Schema

from .services import issue_token

router = Router(tags=["认证"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires: datetime


@router.post("/token", auth=None, response=TokenOut, summary="用户名密码换取令牌")
def token(request, body: TokenIn):
    tok, expires = issue_token(request, body.username, body.password)
    return {"token": tok, "expires": timezone.localtime(expires)}
