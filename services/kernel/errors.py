"""Errors every service raises and the gateway maps to HTTP statuses.

Each error carries a JSON-safe ``detail`` dict. Its only argument is that dict as JSON text:
nameko turns every non-string argument into a string on the way through RPC, and
``services.kernel.nameko_ext`` registers these classes, so callers get the same error back
with its numbers still numbers.
"""
from __future__ import annotations

import json


class CocreateError(Exception):
    http_status = 500
    code = "error"

    def __init__(self, detail: dict | str | None = None):
        if isinstance(detail, str):
            detail = _from_wire(detail) or {"message": detail}
        self.detail = dict(detail or {})
        self.detail.setdefault("message", self.code)
        super().__init__()

    @property
    def args(self):  # always the current detail, even when it was amended after raising
        return (json.dumps(self.detail, ensure_ascii=False, default=str),)

    @args.setter
    def args(self, value):
        pass

    def __str__(self):
        return self.detail["message"]

    def to_dict(self) -> dict:
        return {"error": self.code, **self.detail}


def _from_wire(text: str) -> dict | None:
    if not text.startswith("{"):
        return None
    try:
        detail = json.loads(text)
    except ValueError:
        return None
    return detail if isinstance(detail, dict) and "message" in detail else None


# The kinds of thing a message names, as people call them (../docs/domain.md).
KINDS = {
    "household": "户", "resident": "村民", "hamlet": "垸组", "village": "村", "town": "镇",
    "suggestion": "建议", "motion": "提议", "meeting": "会议", "activity": "活动", "vote": "表决",
    "report": "反映事项", "good_deed": "好人好事", "project": "项目", "contribution": "出资出力记录",
    "entry": "记录", "demolition": "拆除记录", "funding round": "资助轮次", "parcel": "地块", "round": "资助轮次",
    "points_entry": "积分记录", "goods": "爱心超市商品", "redemption": "兑换记录",
    "inspection": "检查记录", "review": "评议", "opinion": "意见", "title": "称号",
    "assessment": "考评", "subscription": "订阅", "policy": "政策文件", "area": "政策领域",
}


class ValidationFailed(CocreateError):
    """Bad input; ``fields`` maps each failing field (or file:line) to its messages."""

    http_status = 400
    code = "validation_failed"

    @classmethod
    def from_messages(cls, messages: dict, message: str = "输入有误，请按所列字段修改 (invalid input)"):
        return cls({"message": message, "fields": messages})


def invalid(field: str, message: str) -> ValidationFailed:
    """One field's problem, as domain code raises it (``raise invalid("amount", "...")``)."""
    return ValidationFailed.from_messages({field: [message]})


class NotFound(CocreateError):
    http_status = 404
    code = "not_found"

    @classmethod
    def of(cls, kind: str, ident):
        return cls({"message": f"未找到{KINDS.get(kind, kind)} {ident} ({kind} {ident} not found)",
                    "kind": kind, "id": ident})


class IllegalTransition(CocreateError):
    """A lifecycle step not allowed from the current state."""

    http_status = 409
    code = "illegal_transition"

    @classmethod
    def of(cls, kind: str, current: str, requested: str, allowed):
        return cls({
            "message": f"{KINDS.get(kind, kind)}当前为 {current}，不能 {requested}；可做：{'、'.join(sorted(allowed)) or '无'} "
                       f"({kind} is {current}: cannot {requested})",
            "current": current, "requested": requested, "allowed": sorted(allowed),
        })


class Conflict(CocreateError):
    http_status = 409
    code = "conflict"


class PolicyRefused(CocreateError):
    """A rule refused the request; ``rule`` names the rule id and version that did."""

    http_status = 422
    code = "policy_refused"


class PolicyContractBroken(CocreateError):
    """The rules service answered outside docs/policy-contract.md (no rule, unknown outcome)."""

    http_status = 502
    code = "policy_contract_broken"


class IdempotencyKeyReused(CocreateError):
    """The same Idempotency-Key came with a different request."""

    http_status = 422
    code = "idempotency_key_reused"


class UnknownEventType(CocreateError):
    code = "unknown_event_type"


class EventSchemaError(ValidationFailed):
    """An event's data failed its catalogue schema."""

    code = "event_schema"


ALL_ERRORS = [CocreateError, ValidationFailed, NotFound, IllegalTransition, Conflict,
              PolicyRefused, PolicyContractBroken, IdempotencyKeyReused, UnknownEventType,
              EventSchemaError]
