"""``/api/v1/auth``: token issue (with the one-time code where a second factor is needed),
the caller's own tokens, revoking one, and logout (revokes the token in use)."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from ..api.auth import actor
from ..api.types import Id
from . import selectors
from .services import issue_token, revoke_token

router = Router(tags=["认证"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = Field(None, description=(
        "两步验证动态码（验证器应用显示的 6 位数字）或一个恢复码。已启用两步验证的账号，以及生产环境中须两步验证的角色必填；"
        "缺少时答 422 otp.required，错误时答 401 otp.invalid；须两步验证而尚未启用的账号答 403 otp.not_enrolled。"))


class TokenOut(Schema):
    token: str
    expires: datetime


class TokenInfo(Schema):
    id: int
    prefix: str = Field(description="令牌前 8 个字符，用于辨认；令牌本身不保存、不返回")
    created: datetime
    expires: datetime
    last_used: datetime | None = Field(None, description="最近一次使用时间（精确到约 1 分钟）")
    current: bool = Field(description="是否为本次请求所用的令牌")


@router.post("/token", auth=None, response=TokenOut, summary="用户名密码（及两步验证动态码）换取令牌")
def token(request, body: TokenIn):
    tok, expires = issue_token(request, body.username, body.password, body.otp)
    return {"token": tok, "expires": timezone.localtime(expires)}


def _info(row, current) -> dict:
    local = timezone.localtime
    return {"id": row.pk, "prefix": row.prefix, "created": local(row.created_at), "expires": local(row.expires_at),
            "last_used": local(row.last_used_at) if row.last_used_at else None,
            "current": current is not None and row.pk == current.pk}


@router.get("/tokens", response=list[TokenInfo], summary="我的有效令牌")
def tokens(request):
    current = getattr(request, "auth_token", None)
    return [_info(row, current) for row in selectors.tokens_of(request.auth)]


@router.delete("/tokens/{int:token_id}", response={204: None}, summary="撤销我的一个令牌")
def token_revoke(request, token_id: Id):
    revoke_token(actor(request), selectors.token_of(request.auth, token_id))
    return Status(204, None)


@router.post("/logout", response={204: None}, summary="退出：撤销本次请求所用的令牌")
def logout(request):
    revoke_token(actor(request), request.auth_token)
    return Status(204, None)
