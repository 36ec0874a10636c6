"""Chinese first: marshmallow's validation messages as clerks and residents read them.

Applied once on import of ``services.kernel`` (every service imports it), so a schema written
anywhere answers ``"village_id": ["必填字段 (Missing data for required field.)"]`` without each
service translating its own. The English stays after the Chinese for integrators.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

_FIELDS = {
    fields.Field: {"required": "必填字段", "null": "不能为空", "validator_failed": "取值无效"},
    fields.String: {"invalid": "须为文字", "invalid_utf8": "须为 UTF-8 文字"},
    fields.Integer: {"invalid": "须为整数"},
    fields.Number: {"invalid": "须为数字", "too_large": "数值过大"},
    fields.Decimal: {"special": "不接受 NaN 或无穷大"},
    fields.Float: {"special": "不接受 NaN 或无穷大"},
    fields.Boolean: {"invalid": "须为 true 或 false"},
    fields.DateTime: {"invalid": "日期时间格式无效，例如 2026-06-01T09:00:00+08:00",
                      "invalid_awareness": "须写明时区，例如 +08:00"},
    fields.Date: {"invalid": "日期格式无效，例如 2026-06-01"},
    fields.List: {"invalid": "须为列表"},
    fields.Dict: {"invalid": "须为对象"},
    fields.Nested: {"type": "类型无效"},
    fields.Email: {"invalid": "电子邮箱地址无效"},
    fields.URL: {"invalid": "网址无效"},
}
_SCHEMA = {"type": "须为 JSON 对象", "unknown": "不接受此字段（请删去或检查拼写）"}


def _both(chinese: str, english: str) -> str:
    return f"{chinese} ({english})"


def apply() -> None:
    for cls, messages in _FIELDS.items():
        current = cls.__dict__.get("default_error_messages", {})
        cls.default_error_messages = {
            **current, **{k: _both(v, current.get(k, "")) if current.get(k) else v
                          for k, v in messages.items()}}
    Schema._default_error_messages = {
        **Schema._default_error_messages,
        **{k: _both(v, Schema._default_error_messages.get(k, "")) for k, v in _SCHEMA.items()}}
    validate.Range.message_min = "须{min_op} {{min}} (at least/above {{min}})"
    validate.Range.message_max = "须{max_op} {{max}} (at most/below {{max}})"
    validate.Range.message_all = "须{min_op} {{min}} 且{max_op} {{max}} (range {{min}}..{{max}})"
    validate.Range.message_gte, validate.Range.message_gt = "不小于", "大于"
    validate.Range.message_lte, validate.Range.message_lt = "不大于", "小于"
    validate.Length.message_min = "至少 {min} 个字 (Shorter than minimum length {min}.)"
    validate.Length.message_max = "最多 {max} 个字 (Longer than maximum length {max}.)"
    validate.Length.message_all = "长度须在 {min} 到 {max} 之间 (Length must be between {min} and {max}.)"
    validate.Length.message_equal = "长度须为 {equal} (Length must be {equal}.)"
    validate.OneOf.default_message = "须为以下之一：{choices} (Must be one of: {choices}.)"


apply()
