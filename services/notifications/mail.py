"""Email to people: Chinese text from Jinja2 templates (``templates/``), Beijing time, a
confirmation mail before anything else (double opt-in), and a one-click unsubscribe link in the
body and in the ``List-Unsubscribe`` header (RFC 2369 / RFC 8058)."""
from __future__ import annotations

import email.policy
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.kernel import events, periods

LOCAL_TZ = periods.TZ  # the villages' clock: one definition, in the kernel
DIGEST_LABELS = {"immediate": "每有新公示即发送", "daily": "每日汇总，早上8点发送",
                 "weekly": "每周汇总，周一早上8点发送"}
PERIODS = {"immediate": "", "daily": "过去一天，", "weekly": "过去一周，"}

# What happened, in the words people use; the catalogue's description is the fallback.
LABELS = {
    "good_deed.verified": "好人好事经村干部核实", "good_deed.reported": "有人报告了好人好事",
    "good_deed.rejected": "报告的好人好事未被核实", "motion.decided": "提议经民主决定",
    "motion.transitioned": "提议有了新进展", "meeting.held": "召开了会议",
    "activity.held": "开展了学、看、讲活动", "vote.recorded": "会议表决结果",
    "suggestion.filed": "回音墙收到新建议", "suggestion.answered": "回音墙建议已答复",
    "suggestion.escalated": "回音墙建议超时未答复，已上报", "report.filed": "大事小事我来提：新的反映",
    "report.assigned": "反映的事项已派人处理", "report.resolved": "反映的事项已处理",
    "report.confirmed": "反映人确认了处理结果", "report.escalated": "反映的事项超时未解决，已上报",
    "deadline.escalated": "事项超时，已上报上一级", "contribution.recorded": "四出登记：出人出资出力出物",
    "project.registered": "项目立项", "project.funded": "项目筹资到位",
    "funding.allocated": "奖补资金分配", "funding_round.allocated": "奖补资金按参与率排序分配",
    "grant.released": "暂缓的奖补资金已拨付", "points.decided": "积分增减",
    "points.recorded": "积分入账", "title.awarded": "评星评优结果", "civility.rated": "乡风文明评比结果",
    "civility.sheet_rated": "乡风文明评比结果（整张评比表）", "contribution.batch_recorded": "四出登记：一批记录",
    "yard.inspected": "清洁日庭院检查", "review.completed": "项目半年评议完成",
    "beautiful_hamlet.decided": "最美垸落评选结果", "donation.recorded": "爱心超市收到捐赠",
    "participation.changed": "垸组参与率更新",
}
FACT_LABELS = {
    "title": "标题", "village_id": "村", "hamlet_id": "垸/组", "household_id": "户",
    "resident_id": "村民", "outcome": "结果", "points": "积分", "reason": "原因", "why": "理由",
    "amount": "金额（元）", "budget": "预算（元）", "estimated_budget": "预算（元）",
    "granted": "奖补（元）", "deed_code": "事项", "description": "说明", "answer": "答复",
    "place": "地点", "kind": "类别", "to_state": "新状态", "title_code": "称号", "score": "得分",
    "rate": "参与率", "escalate_to": "上报至", "note": "处理说明", "status": "状态",
}
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)


def local(dt: datetime) -> str:
    return dt.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M")


TEMPLATES.filters["local"] = local


def label(cause_type: str) -> str:
    if cause_type in LABELS:
        return LABELS[cause_type]
    try:
        return events.get(cause_type).description or cause_type
    except Exception:  # noqa: BLE001  an event type no longer in the catalogue
        return cause_type


def facts(data: dict) -> list[tuple[str, str]]:
    """The readable facts of an event: labelled scalar fields, never lists of people."""
    out = []
    for key, name in FACT_LABELS.items():
        value = data.get(key)
        if value is None or value == "" or isinstance(value, (list, dict)):
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        out.append((name, str(value)))
    return out


@dataclass
class Links:
    base: str
    token: str

    @property
    def confirm(self) -> str:
        return f"{self.base}/api/subscriptions/confirm?token={self.token}"

    @property
    def unsubscribe(self) -> str:
        return f"{self.base}/api/subscriptions/unsubscribe?token={self.token}"

    @property
    def board(self) -> str:
        return f"{self.base}/"


def topics(patterns: list[str]) -> str:
    return "、".join(label(p) if "*" not in p else p for p in patterns)


# Long header lines rather than folding: an unfoldable URL (List-Unsubscribe) would otherwise be
# RFC 2047-encoded, and mail clients would no longer find the link in it.
POLICY = email.policy.SMTP.clone(max_line_length=998)


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or "cocreate")
    message.set_content(body, charset="utf-8")
    return message


def confirmation(sub, links: Links, sender: str) -> EmailMessage:
    body = TEMPLATES.get_template("confirm.txt.j2").render(
        subscriber=sub.subscriber, topics=topics(sub.patterns),
        digest_label=DIGEST_LABELS.get(sub.digest, sub.digest), confirm_url=links.confirm)
    return _message(sender, sub.email, "共同缔造 公开栏：请确认您的订阅", body)


def notices_mail(sub, notices: list, links: Links, sender: str) -> EmailMessage:
    items = [{"label": label(n.cause_type), "headline": n.headline, "published_at": n.published_at,
              "facts": facts(n.data or {})} for n in notices]
    body = TEMPLATES.get_template("notices.txt.j2").render(
        subscriber=sub.subscriber, notices=items, period=PERIODS.get(sub.digest, ""),
        topics=topics(sub.patterns), digest_label=DIGEST_LABELS.get(sub.digest, sub.digest),
        board_url=links.board, unsubscribe_url=links.unsubscribe)
    if len(items) == 1:
        subject = f"共同缔造 公示：{items[0]['headline']}"
    else:
        subject = f"共同缔造 公示汇总：{len(items)} 条新公示"
    message = _message(sender, sub.email, subject, body)
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def send(smtp: dict, message: EmailMessage) -> str | None:
    """Hand the message to the SMTP server; returns None once it accepted it, else the reason."""
    try:
        with smtplib.SMTP(smtp.get("host") or "127.0.0.1", int(smtp.get("port") or 25), timeout=10) as server:
            if str(smtp.get("starttls")).lower() == "true":
                server.starttls()
            if smtp.get("user"):
                server.login(smtp["user"], smtp.get("password") or "")
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
