"""The published OpenAPI document (``/api/v1/openapi.json``): one name per schema, and
the error responses every operation can give.

django-ninja files each operation's schemas under their class name and, when two
different classes share a name (``CertificateIn`` of the service center and of the
disability registry), silently keeps the last one, so an operation is documented with
another one's body. :class:`CheckedOpenAPISchema` refuses that: building the document
raises :class:`SchemaNameCollision` naming both definitions, so the test that fetches
the document (and the server, on the first request for it) fails on any collision.

:func:`add_error_responses` documents the standard error body (``{"error": {"code",
"message", "fields"}}``) under the statuses any operation can answer: 400 (a body that
cannot be parsed, a control character), 403 (role), 404 (not found or out of scope),
413 (request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``), 422 (validation), 429 (rate
limit), 401 (no valid token; wrong credentials at ``/auth/token``) and, for operations
that write, 409 (conflict: a stale ``version``, a duplicate).
"""

from ninja.openapi.schema import OpenAPISchema

ERROR_SCHEMA_NAME = "Error"

ERROR_SCHEMA = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string", "description": "稳定的错误代码，如 validation、not_found、id_number.checksum"},
            "message": {"type": "string", "description": "中文说明"},
            "fields": {"type": "object", "description": "按字段列出的错误",
                       "additionalProperties": {"type": "array", "items": {
                           "type": "object", "required": ["code", "message"],
                           "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
        },
    }},
}

ERROR_STATUSES = {
    400: "请求无法解析或含有控制字符",
    401: "未登录或令牌无效",
    403: "角色无权执行此操作",
    404: "未找到，或不在管辖范围内",
    409: "冲突（版本已变化、重复提交等）",
    413: "请求体过大",
    422: "请求内容校验未通过",
    429: "请求过于频繁",
}

WRITE_METHODS = {"post", "put", "patch", "delete"}


class SchemaNameCollision(Exception):
    """Two different schemas would be published under one component name."""


class CheckedOpenAPISchema(OpenAPISchema):
    """ninja's document builder, refusing two different definitions of one name."""

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                raise SchemaNameCollision(
                    f"two different schemas are named {name!r}: {known.get('properties', known)!r} "
                    f"and {definition.get('properties', definition)!r}; rename one of the classes")
        super().add_schema_definitions(definitions)


def add_error_responses(document: dict) -> dict:
    """Add the standard error responses (see the module docstring) to every operation
    of ``document`` that does not declare that status itself; returns ``document``."""
    document.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            statuses = set(ERROR_STATUSES) - {409}
            if method in WRITE_METHODS:
                statuses.add(409)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(status, {
                    "description": ERROR_STATUSES[status],
                    "content": {"application/json": {"schema": ref}},
                })
    return document
