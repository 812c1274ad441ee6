"""Domain errors. Each carries the machine-readable code clients switch on (SPEC §9) and a
Chinese message with its English twin. The GraphQL layer turns them into `extensions`."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "BAD_USER_INPUT"
    default_zh = "请求无效"
    default_en = "Invalid request"

    def __init__(self, zh: str | None = None, en: str | None = None, **extra: Any) -> None:
        self.zh = zh or self.default_zh
        self.en = en or self.default_en
        self.extra = extra
        super().__init__(self.en)


class BadUserInput(DomainError):
    code = "BAD_USER_INPUT"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    default_zh = "请先登录"
    default_en = "Sign in first"


class Forbidden(DomainError):
    code = "FORBIDDEN"
    default_zh = "无权执行此操作"
    default_en = "You are not allowed to do this"


class NotFound(DomainError):
    code = "NOT_FOUND"
    default_zh = "未找到"
    default_en = "Not found"


class Conflict(DomainError):
    code = "CONFLICT"
    default_zh = "数据已被他人修改,请刷新后重试"
    default_en = "Changed by someone else; reload and retry"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"
    default_zh = "当前状态不允许此操作"
    default_en = "Not allowed in the current state"


class RateLimited(DomainError):
    code = "RATE_LIMITED"
    default_zh = "请求过于频繁,请稍后再试"
    default_en = "Too many requests; try again later"


class TooManyAttempts(DomainError):
    code = "TOO_MANY_ATTEMPTS"
    default_zh = "登录失败次数过多,账号已暂时锁定"
    default_en = "Too many failed sign-ins; the account is locked for a while"
