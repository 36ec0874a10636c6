"""Which deed of the civility-points catalogue each source of points earns, read from the
published civility_points.yaml (``params.sources``): the 清洁日 inspection grades (their codes,
labels and deeds), the deed of the quarterly rating (per star) and of labour (per hour, else
per occasion). A grade or a deed added there works without code.

A file without ``sources`` (older versions) means the catalogue's own codes, as they were:
``cleaning_day_<grade>`` for excellent/good/fair/poor, ``quarterly_rating``, ``labour_hour`` /
``voluntary_labour``.
"""
from __future__ import annotations

from services.kernel import policy as policy_port
from services.kernel.errors import ValidationFailed

AREA = "civility_points"
BEFORE_SOURCES = {
    "inspection": {grade: {"label": label, "deed": f"cleaning_day_{grade}"}
                   for grade, label in (("excellent", "优秀"), ("good", "良好"), ("fair", "一般"), ("poor", "较差"))},
    "rating": {"deed": "quarterly_rating"},
    "labour": {"per_hour": "labour_hour", "per_occasion": "voluntary_labour"},
}


def read(policy) -> dict:
    """``{"version", "inspection": {grade: {label, deed}}, "rating": {deed}, "labour": {per_hour, per_occasion}}``."""
    answer = policy_port.params(policy, AREA)
    given = answer["params"].get("sources") or {}
    return {"version": answer["version"], **{key: given.get(key) or default for key, default in BEFORE_SOURCES.items()}}


def inspection_deed(policy, grade: str) -> str:
    """The deed an inspection grade earns; an unknown grade is refused with the valid ones."""
    sources = read(policy)
    grades = sources["inspection"]
    if grade in grades:
        return grades[grade]["deed"]
    listing = "、".join(f"{code}（{spec.get('label', code)}）" for code, spec in grades.items())
    raise ValidationFailed({
        "message": "清洁日检查的等次不在积分规则里 — unknown inspection grade",
        "fields": {"grade": [f"等次 {grade!r} 不在 civility_points.yaml v{sources['version']} 的清洁日等次里，"
                             f"请从下列等次中选：{listing} — unknown grade; valid: {', '.join(grades)}"]},
        "valid": list(grades)})
