"""Publishing: the only way a rule file reaches a decision.

A draft (the rule files and the staff's cases, as texts) is checked as a whole: every file
validates, every staff case passes, the invariants of :mod:`invariants` hold (warnings need an
explicit acknowledgement), and every changed file carries a higher version than the one
published. Only then are the changed files written, in one transaction, as new rows of
``rules_policy_versions`` beside a ``policy.published`` event in the outbox. The rules service
decides by the newest published version of each area (:class:`PublishedSource`), never by the
folder, so a half-saved or untested file decides nothing.
"""
from __future__ import annotations

import difflib
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.errors import NotFound, ValidationFailed

from . import cases as case_files
from . import invariants, loader
from .models import PolicyVersion

INITIAL_AUTHOR = "system"
INITIAL_MESSAGE = "首次启动：以 rules/ 文件夹为初始版本 (initial versions from the rules folder)"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- reading what is published -------------------------------------------------------------

def latest(session: Session) -> dict[str, PolicyVersion]:
    """The newest published version of each area."""
    newest = (select(PolicyVersion.area, func.max(PolicyVersion.version).label("version"))
              .group_by(PolicyVersion.area).subquery())
    rows = session.execute(select(PolicyVersion).join(
        newest, (PolicyVersion.area == newest.c.area) & (PolicyVersion.version == newest.c.version))).scalars()
    return {row.area: row for row in rows}


def published_fingerprint(session: Session) -> str:
    """Changes with every publication: the id of the newest row (rows are never changed)."""
    return str(session.execute(select(func.max(PolicyVersion.id))).scalar() or 0)


class PublishedSource:
    """The policy book's source in the rules service: the newest published version per area."""

    def __init__(self, sessionmaker):
        self.sessionmaker = sessionmaker

    def describe(self) -> str:
        return "published"

    def fingerprint(self) -> str:
        with self.sessionmaker() as session:
            return published_fingerprint(session)

    def load(self, schema_dir):
        with self.sessionmaker() as session:
            rows = latest(session)
            files = {row.file: row.text for row in rows.values()}
            extra = {row.area: {"sha256": row.sha256, "author": row.author, "message": row.message,
                                "published_at": _iso(row.published_at)} for row in rows.values()}
        policies, problems = loader.load_texts(files, schema_dir)
        return policies, problems, extra


def published_texts(session: Session, known: str | None = None) -> dict:
    """What a policy client loads (the same texts :class:`PublishedSource` gives the service's
    own book): the newest published file of each area, by file name, and its fingerprint."""
    fingerprint = published_fingerprint(session)
    if known is not None and str(known) == fingerprint:
        return {"fingerprint": fingerprint, "unchanged": True}
    rows = latest(session)
    return {"fingerprint": fingerprint, "files": {row.file: row.text for row in rows.values()},
            "extra": {row.area: {"sha256": row.sha256, "author": row.author, "message": row.message,
                                 "published_at": _iso(row.published_at)} for row in rows.values()}}


# -- checking a draft ----------------------------------------------------------------------

@dataclass
class Check:
    problems: list[loader.Problem] = field(default_factory=list)   # errors: nothing is published
    failures: list[dict] = field(default_factory=list)             # staff cases that fail
    warnings: list[loader.Problem] = field(default_factory=list)   # need --accept-warnings
    changes: list[dict] = field(default_factory=list)              # what would be published
    unchanged: list[str] = field(default_factory=list)
    cases_run: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failures

    def to_dict(self) -> dict:
        return {"problems": [p.to_dict() for p in self.problems], "failures": self.failures,
                "warnings": [p.to_dict() for p in self.warnings], "changes": self.changes,
                "unchanged": self.unchanged, "cases_run": self.cases_run}


def check_draft(files: dict[str, str], cases: dict[str, str],
                published: dict[str, PolicyVersion] | None = None, *, run_cases: bool = True) -> Check:
    """Everything publishing requires, over the whole draft; nothing is written."""
    from .engine import PolicyBook
    result = Check()
    policies, result.problems = loader.load_texts(files, prefix="rules/")
    loaded_cases, case_problems = case_files.load_case_texts(cases or {})
    result.problems += case_problems
    if result.problems:
        return result
    errors, result.warnings = invariants.check(policies)
    result.problems += errors
    if run_cases:
        book = PolicyBook.from_texts(files, "(draft)")
        try:
            for outcome in (case_files.run_case(book, case) for case in loaded_cases):
                result.cases_run += 1
                if not outcome.ok:
                    result.failures.append({"file": outcome.case.file, "line": outcome.case.line,
                                            "case": outcome.case.name, "failures": outcome.failures})
        finally:
            book.close()
    _versions(policies, files, published or {}, result)
    return result


def _versions(policies: dict, files: dict, published: dict, result: Check) -> None:
    """The version goes up whenever the content changes; never down, never reused."""
    for area, policy in sorted(policies.items()):
        text = files[policy.file.removeprefix("rules/")]
        digest = sha256(text)
        before = published.get(area)
        line = policy.source.line_of(["version"])
        if before is not None and before.sha256 == digest:
            result.unchanged.append(area)
            continue
        if before is not None and policy.version == before.version:
            result.problems.append(loader.Problem(
                policy.file, line,
                f"内容改了，版本号却还是已发布的 {before.version} — content changed but version {before.version} is already published",
                f"version: {before.version + 1}"))
            continue
        if before is not None and policy.version < before.version:
            result.problems.append(loader.Problem(
                policy.file, line,
                f"版本号 {policy.version} 低于已发布的 {before.version}，版本只能往上加 — version lower than the published one",
                f"version: {before.version + 1}"))
            continue
        result.changes.append({"area": area, "file": policy.file.removeprefix("rules/"), "title": policy.title,
                               "version": policy.version, "sha256": digest,
                               "previous_version": before.version if before is not None else None})
    for area, row in sorted(published.items()):
        if area not in policies:
            result.problems.append(loader.Problem(
                f"rules/{row.file}", None,
                f"草稿里没有 {row.file}（已发布 v{row.version}）；停用一个领域请把它的规则写成 enabled: false"
                f" — a published area is missing from the draft",
                f"把 {row.file} 放回草稿文件夹（cocreate rules show {area} --version {row.version}）"))


# -- publishing ------------------------------------------------------------------------------

def _refused(message: str, check: Check, **more) -> ValidationFailed:
    fields = {}
    for p in check.problems:
        fields.setdefault(f"{p.file}:{p.line}" if p.line else p.file, []).append(str(p))
    for f in check.failures:
        fields.setdefault(f"{f['file']}:{f['line']}", []).append(f"{f['case']}: " + "; ".join(f["failures"]))
    return ValidationFailed({"message": message, "fields": fields, **check.to_dict(), **more})


def publish(session: Session, files: dict[str, str], cases: dict[str, str], *, message: str,
            author: str, now: datetime, accept_warnings: bool = False, run_cases: bool = True) -> dict:
    """Check the draft and write every changed file, or raise ValidationFailed and write nothing."""
    message = (message or "").strip()
    author = (author or "").strip()
    if not message:
        raise ValidationFailed.from_messages(
            {"message": ["请写明为什么改（--message \"……\"），会记入历史并公示 — a reason is required"]},
            "发布需要写明理由 — publishing needs a reason")
    if not author:
        raise ValidationFailed.from_messages({"author": ["谁发布的 — who publishes"]}, "发布需要发布人 — author required")
    published = latest(session)
    check = check_draft(files, cases, published, run_cases=run_cases)
    if not check.ok:
        n = len(check.problems) + len(check.failures)
        raise _refused(f"发布被拒绝，什么都没有发布：{n} 个问题 — publish refused, nothing was published", check)
    if check.warnings and not accept_warnings:
        raise _refused(f"有 {len(check.warnings)} 条警告需要确认：看过后加 --accept-warnings 再发布"
                       " — warnings must be acknowledged; nothing was published", check, needs_acknowledgement=True)
    if not check.changes:
        return {"publication": None, "files": [], "unchanged": check.unchanged, "cases_run": check.cases_run,
                "message": "草稿与已发布的版本相同，没有要发布的内容 — nothing changed"}
    publication = str(uuid.uuid4())
    warnings = [str(w) for w in check.warnings]
    for change in check.changes:
        case_text = (cases or {}).get(change["file"])
        session.add(PolicyVersion(
            publication=publication, area=change["area"], file=change["file"], version=change["version"],
            text=files[change["file"]], sha256=change["sha256"], author=author, message=message,
            warnings=[w for w in warnings if w.startswith(f"rules/{change['file']}")], published_at=now,
            cases=case_text, cases_sha256=sha256(case_text) if case_text is not None else None))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ValidationFailed.from_messages(
            {"version": ["刚才有人发布了同一版本号；请先 cocreate rules status 查看，再提高版本号"]},
            "同一版本号已被发布 — that version was published meanwhile; nothing was published") from None
    outbox.emit(session, "policy.published", {
        "publication": publication, "author": author, "message": message, "published_at": now.isoformat(),
        "files": check.changes, "warnings": warnings,
    }, subject="policy/" + ",".join(c["area"] for c in check.changes)[:120])
    return {"publication": publication, "files": check.changes, "unchanged": check.unchanged,
            "warnings": warnings, "cases_run": check.cases_run, "author": author,
            "published_at": now.isoformat(),
            "message": f"已发布 {len(check.changes)} 个文件 — published {len(check.changes)} file(s)"}


def publish_initial(session: Session, files: dict[str, str], now: datetime,
                    cases: dict[str, str] | None = None) -> dict | None:
    """An empty history takes the folder's files as version one of the record: checked like
    any draft (the staff's cases are run by ``make test`` and by every later publish; the
    folder's case files are kept with the versions all the same)."""
    if published_fingerprint(session) != "0":
        return None
    return publish(session, files, cases or {}, message=INITIAL_MESSAGE, author=INITIAL_AUTHOR, now=now,
                   accept_warnings=True, run_cases=False)


# -- history ---------------------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    from datetime import timezone
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


def _count_cases(text: str | None, row_area: str) -> int | None:
    """How many staff cases a stored case file holds (None: published without one)."""
    if text is None:
        return None
    loaded, problems = case_files.load_case_texts({f"{row_area}.yaml": text})
    return len(loaded) if not problems else None


def version_view(row: PolicyVersion, text: bool = False) -> dict:
    out = {"area": row.area, "file": row.file, "version": row.version, "sha256": row.sha256,
           "author": row.author, "message": row.message, "published_at": _iso(row.published_at),
           "publication": row.publication, "warnings": row.warnings or [],
           "cases_sha256": row.cases_sha256}
    if text:
        out["text"] = row.text
        out["cases"] = row.cases
        out["cases_count"] = _count_cases(row.cases, row.area)
    return out


def history(session: Session, area: str | None = None, limit: int = 200) -> list[dict]:
    query = select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(max(1, min(int(limit), 1000)))
    if area:
        query = query.where(PolicyVersion.area == area)
    return [version_view(row) for row in session.execute(query).scalars()]


def get_version(session: Session, area: str, version: int) -> PolicyVersion:
    row = session.execute(select(PolicyVersion).where(
        PolicyVersion.area == area, PolicyVersion.version == int(version))).scalar_one_or_none()
    if row is None:
        known = [r.version for r in session.execute(
            select(PolicyVersion).where(PolicyVersion.area == area).order_by(PolicyVersion.version)).scalars()]
        raise NotFound({"message": f"{area} 没有发布过第 {version} 版"
                                   + (f"（已发布：{', '.join(map(str, known))}）" if known else "（从未发布）")
                                   + f" — {area} v{version} was never published",
                        "kind": "policy_version", "id": f"{area}/{version}", "known": known})
    return row


def diff(session: Session, area: str, old: int, new: int) -> dict:
    a, b = get_version(session, area, old), get_version(session, area, new)
    lines = difflib.unified_diff(a.text.splitlines(keepends=True), b.text.splitlines(keepends=True),
                                 fromfile=f"{a.file} v{a.version}", tofile=f"{b.file} v{b.version}")
    return {"area": area, "from": version_view(a), "to": version_view(b), "diff": "".join(lines)}
