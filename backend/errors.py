"""Domain errors: a stable code, a Chinese message and the HTTP status they map to.

Each domain declares its errors at the top of its ``service.py`` as subclasses of these; the one
handler in ``backend.web.errors`` turns them into the API's error shape or an error page.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
    message = "请求有误"
    #: When true, what the request wrote is committed although it failed (e.g. a failed login
    #: is recorded so the rate limit can count it).
    keep_writes = False

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.field = field
        self.headers = headers or {}
        super().__init__(self.code)


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"
    message = "请先登录"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    message = "您没有执行此操作的权限"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "未找到该记录"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    message = "与现有记录冲突"


class FieldInvalid(DomainError):
    status_code = 400
    code = "validation_error"
    message = "字段无效"
