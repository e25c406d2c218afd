"""The NinjaAPI instance (``/api/v1/``): auth, error format, and each app's router."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from ..errors import ServiceError
from ..people.rules import N_
from .auth import BearerAuth
from .openapi import CheckedOpenAPISchema, add_error_responses


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese as characters, not \\uXXXX escapes (readable with curl)."""

    json_dumps_params = {"ensure_ascii": False}

class JiayuanAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document refuses schema-name collisions and documents
    the standard error responses (:mod:`jiayuan.api.openapi`)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return add_error_responses(CheckedOpenAPISchema(api=self, path_prefix=path_prefix))


api = JiayuanAPI(
    title="家园 Jiayuan API",
    version="1",
    description=("城乡社区治理与服务平台接口。先 POST /api/v1/auth/token 取得令牌，再以 `Authorization: Bearer <token>` 调用。"
                 "\n\n输入上限：每个列表有 maxItems，整数在 minimum…maximum 之内（编号 1…2⁶³−1），"
                 "请求体（不含上传文件）不超过 2.5 MB（否则 413）；文字中含控制字符（NUL 等 C0/C1 控制符、"
                 "文字方向覆盖符 U+202A–U+202E、U+2066–U+2069、零宽空格、BOM）的请求一律以 422 control_character 拒绝。"
                 "错误一律为 {\"error\": {\"code\", \"message\", \"fields\"}}。"),
    auth=BearerAuth(),
    renderer=ChineseJSONRenderer(),
    urls_namespace="api-v1",
)


def _error(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(request, {"error": {"code": code, "message": message, "fields": fields or {}}},
                               status=status)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return _error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", _("未找到该对象，或不在您的管辖范围内"))


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, "permission_denied", _("您的角色无权执行此操作"))


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", _("请先取得令牌，并以 Authorization: Bearer <令牌> 调用"))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """Errors django-ninja raises itself (400 for a body it cannot parse, 429 …), in the
    project's error format instead of ninja's ``{"detail": …}``."""
    if exc.status_code == 400:
        return _error(request, 400, "bad_request", _("请求内容无法解析：请以 JSON 发送，并设置 Content-Type: application/json"))
    return _error(request, exc.status_code, "http_error", str(exc))


# Chinese words for pydantic's error types (its own messages are English).
PYDANTIC_MESSAGES = {
    "missing": N_("必填"),
    "int_parsing": N_("应为整数"),
    "int_type": N_("应为整数"),
    "float_parsing": N_("应为数字"),
    "bool_parsing": N_("应为 true 或 false"),
    "string_type": N_("应为文字"),
    "list_type": N_("应为列表"),
    "dict_type": N_("应为对象"),
    "model_type": N_("应为对象"),
    "date_from_datetime_parsing": N_("应为日期 YYYY-MM-DD"),
    "date_parsing": N_("应为日期 YYYY-MM-DD"),
    "json_invalid": N_("不是有效的 JSON"),
    "greater_than_equal": N_("数值过小"),
    "less_than_equal": N_("数值过大"),
}


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    fields: dict[str, list] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "data")]
        if len(loc) > 1 and loc[0] in ("file", "form"):  # a multipart part: name the field, not where it came from
            loc = loc[1:]
        name = ".".join(loc) or "__all__"
        known = PYDANTIC_MESSAGES.get(err.get("type", ""))
        detail = _(known) if known else err.get("msg", "")
        fields.setdefault(name, []).append({"code": f"{name}.invalid", "message": _("格式错误：%(detail)s") % {
            "detail": detail}})
    return _error(request, 422, "validation", _("请求内容格式错误"), fields)


from ..accounts.api import router as accounts_router  # noqa: E402
from ..people.api import router as people_router  # noqa: E402
from ..regions.api import router as regions_router  # noqa: E402

api.add_router("/auth", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", people_router)

from ..cases.api import router as cases_router  # noqa: E402
from ..grid.api import router as grid_router  # noqa: E402
from ..servicecenter.api import router as servicecenter_router  # noqa: E402

from ..imports.api import router as imports_router  # noqa: E402

api.add_router("/", imports_router)
api.add_router("/", cases_router)
api.add_router("/", grid_router)
api.add_router("/", servicecenter_router)

from ..assistance.api import router as assistance_router  # noqa: E402
from ..disability.api import router as disability_router  # noqa: E402
from ..children.api import router as children_router  # noqa: E402

api.add_router("/", assistance_router)
api.add_router("/", disability_router)
api.add_router("/", children_router)

from ..facilities.api import router as facilities_router  # noqa: E402

api.add_router("/", facilities_router)

from ..workforce.api import router as workforce_router  # noqa: E402

api.add_router("/", workforce_router)
from ..eldercare.api import router as eldercare_router  # noqa: E402

api.add_router("/", eldercare_router)
from ..organizations.api import router as organizations_router  # noqa: E402

api.add_router("/", organizations_router)
from ..governance.api import router as governance_router  # noqa: E402

api.add_router("/", governance_router)

from ..stats.api import router as stats_router  # noqa: E402

api.add_router("/", stats_router)

from ..stats.dashboards.api import router as dashboards_router  # noqa: E402

api.add_router("/", dashboards_router)
from ..stats.yibiaotong.api import router as yibiaotong_router  # noqa: E402

api.add_router("/", yibiaotong_router)
from ..web.api import router as todo_router  # noqa: E402

api.add_router("/", todo_router)
