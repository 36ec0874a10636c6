"""Input of the rules service's publish and schedule calls, and its HTTP answers (OpenAPI)."""
from marshmallow import INCLUDE, Schema, fields, validate

from services.kernel.fields import Input


class ReviewScheduleIn(Input):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=128))  # project/<id>
    kind = fields.String(required=True, validate=validate.OneOf(["major", "small"]))
    since = fields.Date(required=True)  # completion, approval or the last review


class DeadlineIn(Input):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=128))  # suggestion/<id>
    kind = fields.String(required=True, validate=validate.OneOf(["suggestion", "report"]))
    opened_at = fields.AwareDateTime(load_default=None)


class PublishIn(Input):
    """A whole draft: every policy file and every staff case file, by file name, as text."""

    files = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]*\.yaml$")),
                        values=fields.String(), required=True)
    cases = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_.-]+\.yaml$")),
                        values=fields.String(), load_default=dict)
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    author = fields.String(required=True, validate=validate.Length(min=1, max=128))
    accept_warnings = fields.Boolean(load_default=False)


# -- HTTP responses (OpenAPI) --------------------------------------------------------------
# The policy port over HTTP (services/gateway/routes/rules.py ``RESPONSES``/``REQUESTS``): what
# engine.PolicyBook.status/params/decide/explain return, and the facts decide/explain take.
# Documentation only: the engine types the facts itself (engine.coerce_facts).


class FactsIn(Schema):
    """事实：事实名 -> 值，按规则文件的 facts: 定型 (fact name -> value, typed by the rule file's facts:)."""

    class Meta:
        unknown = INCLUDE


class RuleRefOut(Schema):
    id = fields.String(metadata={"description": "规则 id，如 demolition.no_compensation the rule's id"})
    version = fields.Integer(metadata={"description": "规则文件版本 the rule file's version"})
    policy = fields.String(metadata={"description": "政策领域 the policy area"})


class PolicyFileOut(Schema):
    policy = fields.String(metadata={"description": "政策领域（文件的 id） the policy area"})
    version = fields.Integer()
    file = fields.String(metadata={"description": "规则文件名 the YAML file"})
    title = fields.String(metadata={"description": "标题（中文在前） title"})
    rules = fields.List(fields.String(), metadata={"description": "启用的规则 id the rules enabled"})


class PolicyStatusOut(Schema):
    directory = fields.String(metadata={"description": "规则目录 the folder of rule files"})
    generation = fields.Integer(metadata={"description": "第几次载入 how many loads so far"})
    loaded_at = fields.String(metadata={"description": "载入时间 ISO 8601 UTC"})
    files = fields.List(fields.Nested(PolicyFileOut), metadata={"description": "生效的规则文件 files in force"})


class PolicyParamsOut(Schema):
    policy = fields.String()
    version = fields.Integer()
    params = fields.Dict(metadata={"description": "规则文件的 params:（结构由各文件定） the file's parameters"})


class DecisionOut(Schema):
    policy = fields.String()
    outcome = fields.String(metadata={"description": "结论（由规则文件定，如 refused、allowed） the outcome"})
    action = fields.String(metadata={"description": "动作，默认 decide the action"})
    reason = fields.String(metadata={"description": "理由（中文在前） the reason, for people"})
    rule = fields.Nested(RuleRefOut, metadata={"description": "作出决定的规则 the rule that decided"})
    values = fields.Dict(metadata={"description": "规则给出的数值 the values the rule gives"})


ExplainOut = fields.List(fields.String(), metadata={
    "description": "条件成立的所有规则 id，按文件顺序（第一个作决定） every rule whose condition holds"})


# publishing and history (cocreate rules publish/history/show/diff over HTTP)

class HistoryQuery(Input):
    area = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))


class VersionOut(Schema):
    """一个已发布版本 (one published version of a policy file)."""

    area = fields.String(required=True)
    file = fields.String(required=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    author = fields.String(required=True, metadata={"description": "发布人 who published"})
    message = fields.String(required=True, metadata={"description": "发布理由 why"})
    published_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    publication = fields.String(required=True, metadata={"description": "同一次发布的编号 one publish"})
    warnings = fields.List(fields.String(), required=True)
    text = fields.String(metadata={"description": "文件全文 (show only)"})
    cases_sha256 = fields.String(allow_none=True, metadata={
        "description": "发布时通过的用例文件 tests/<area>.yaml 的 sha256；null：发布时没有用例"})
    cases = fields.String(allow_none=True, metadata={"description": "发布时的用例文件全文 (show only)"})
    cases_count = fields.Integer(allow_none=True, metadata={"description": "其中的用例个数 (show only)"})


class DiffOut(Schema):
    area = fields.String(required=True)
    from_ = fields.Nested(VersionOut, data_key="from", required=True)
    to = fields.Nested(VersionOut, required=True)
    diff = fields.String(required=True, metadata={"description": "unified diff"})


class PublishedFileOut(Schema):
    area = fields.String(required=True)
    file = fields.String(required=True)
    title = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    previous_version = fields.Integer(allow_none=True)


class PublishOut(Schema):
    publication = fields.String(allow_none=True, required=True)
    files = fields.List(fields.Nested(PublishedFileOut), required=True)
    unchanged = fields.List(fields.String())
    warnings = fields.List(fields.String())
    cases_run = fields.Integer()
    author = fields.String()
    published_at = fields.String(metadata={"format": "date-time"})
    message = fields.String(required=True)
