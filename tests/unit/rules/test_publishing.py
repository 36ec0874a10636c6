"""Publishing is the only way in: the whole draft is checked, versions only go up, history keeps
who, when, why and the full text; the book of the service reads published versions only."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from services.kernel.db import make_engine, outbox_table, session_factory
from services.kernel import migrations
from services.kernel.errors import NotFound, ValidationFailed
from services.rules import decisions, publishing
from services.rules.dependencies import folder_texts
from services.rules.engine import PolicyBook
from services.rules.models import Decision, PolicyVersion

from .helpers import copy_rules

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
BRIDGE = {"scope": "village", "estimated_budget": 150000}
V = 1  # major_matter's first version: the folder fixture numbers it from 1 (copy_rules first=)


@pytest.fixture
def folder(tmp_path):
    return copy_rules(tmp_path, first=("major_matter",))


@pytest.fixture
def sessionmaker(tmp_path):
    url = f"sqlite:///{tmp_path}/rules.sqlite"
    migrations.upgrade("rules", url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def _draft(folder):
    cases = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "tests").glob("*.yaml"))}
    return folder_texts(folder), cases


def _publish(sessionmaker, files, cases, **kw):
    with sessionmaker() as session:
        result = publishing.publish(session, files, cases, message=kw.pop("message", "调整"),
                                    author=kw.pop("author", "policy-officer-li"), now=kw.pop("now", NOW), **kw)
        session.commit()
    return result


def _bump(files, name, old, new):
    text = files[name]
    assert old in text, old
    import re
    version = int(re.search(r"^version: (\d+)$", text, re.M).group(1))
    return {**files, name: text.replace(old, new, 1).replace(f"version: {version}\n", f"version: {version + 1}\n", 1)}


def _raise_threshold(files, cases):
    """major matters from 200 000 yuan: the file and the staff's cases that say so."""
    edited = _bump(files, "major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 200000")
    text = cases["major_matter.yaml"].replace("estimated_budget: 100000}", "estimated_budget: 200000}") \
                                     .replace("estimated_budget: 150000}", "estimated_budget: 250000}")
    return edited, {**cases, "major_matter.yaml": text}


def _rows(sessionmaker):
    with sessionmaker() as session:
        return session.execute(select(func.count()).select_from(PolicyVersion)).scalar()


def _events(sessionmaker, event_type="policy.published"):
    with sessionmaker() as session:
        rows = session.execute(select(outbox_table.c.body).where(outbox_table.c.event_type == event_type)).all()
    return [json.loads(r.body)["data"] for r in rows]


def test_initial_publication_then_a_change_is_decided_by_the_published_version(folder, sessionmaker):
    files, cases = _draft(folder)
    with sessionmaker() as session:
        first = publishing.publish_initial(session, files, NOW)
        session.commit()
        assert publishing.publish_initial(session, files, NOW) is None  # only when empty
    assert len(first["files"]) == len(files) and first["author"] == publishing.INITIAL_AUTHOR
    book = PolicyBook(source=publishing.PublishedSource(sessionmaker))
    assert book.decide("major_matter", BRIDGE)["outcome"] == "major"

    # Saving the folder changes nothing: the service reads what is published.
    (folder / "major_matter.yaml").write_text("id: major_matter\nversion: [", encoding="utf-8")
    assert not book.changed()

    with pytest.raises(ValidationFailed) as refused:  # the staff's cases still say 100 000
        _publish(sessionmaker, _raise_threshold(files, cases)[0], cases)
    assert {f["case"] for f in refused.value.detail["failures"]} == {"正好 10 万元也是重大事务", "垸组项目预算达标也是重大事务",
                                                                      "垸组事务预算达标，照样是重大事务"}
    edited, cases = _raise_threshold(files, cases)
    result = _publish(sessionmaker, edited, cases, message="门槛提高到二十万", author="li")
    assert [(f["area"], f["previous_version"], f["version"]) for f in result["files"]] == [("major_matter", V, V + 1)]
    assert result["cases_run"] > 20
    assert book.changed()
    book.reload()
    decision = book.decide("major_matter", BRIDGE)
    assert (decision["outcome"], decision["rule"]["version"]) == ("ordinary", V + 1)

    [initial, published] = _events(sessionmaker)
    assert published["author"] == "li" and published["message"] == "门槛提高到二十万"
    assert published["files"][0]["sha256"] == publishing.sha256(edited["major_matter.yaml"])

    with sessionmaker() as session:
        [latest, older] = publishing.history(session, "major_matter")
        assert (latest["version"], latest["author"], latest["message"]) == (V + 1, "li", "门槛提高到二十万")
        assert older["version"] == V and older["author"] == "system"
        shown = publishing.version_view(publishing.get_version(session, "major_matter", V), text=True)
        assert shown["text"] == files["major_matter.yaml"]
        changed = publishing.diff(session, "major_matter", V, V + 1)["diff"]
        assert "-  major_budget_yuan: 100000" in changed and "+  major_budget_yuan: 200000" in changed
        with pytest.raises(NotFound) as missing:
            publishing.get_version(session, "major_matter", 9)
        assert missing.value.detail["known"] == [V, V + 1]


def test_nothing_is_published_when_a_staff_case_fails(folder, sessionmaker):
    files, cases = _draft(folder)
    _publish(sessionmaker, files, cases)
    before = _rows(sessionmaker)
    # the staff's case expects a 10 % crowd share to be the minimum
    edited = _bump(files, "funding_mix.yaml", "min_crowd_share: 0.1", "min_crowd_share: 0.5")
    with pytest.raises(ValidationFailed) as refused:
        _publish(sessionmaker, edited, cases)
    detail = refused.value.detail
    assert "什么都没有发布" in detail["message"]
    assert detail["failures"] and all(f["file"] == "tests/funding_mix.yaml" for f in detail["failures"])
    assert _rows(sessionmaker) == before and len(_events(sessionmaker)) == 1


def test_versions_only_go_up_whenever_content_changes(folder, sessionmaker):
    files, cases = _draft(folder)
    _publish(sessionmaker, files, cases)
    same_version = {**files, "major_matter.yaml": files["major_matter.yaml"].replace(
        "major_budget_yuan: 100000", "major_budget_yuan: 200000")}
    with pytest.raises(ValidationFailed) as refused:
        _publish(sessionmaker, same_version, cases)
    [problem] = refused.value.detail["problems"]
    line = files["major_matter.yaml"].splitlines().index(f"version: {V}") + 1
    assert problem["file"] == "rules/major_matter.yaml" and problem["line"] == line
    assert "版本号" in problem["message"] and problem["expected"] == f"version: {V + 1}"

    lower, cases = _raise_threshold(files, cases)
    _publish(sessionmaker, lower, cases)
    lowered = lower["major_matter.yaml"].replace(f"version: {V + 1}\n", f"version: {V}\n").replace("200000", "300000", 1)
    with pytest.raises(ValidationFailed) as refused:
        _publish(sessionmaker, {**files, "major_matter.yaml": lowered}, cases)
    assert f"低于已发布的 {V + 1}" in refused.value.detail["problems"][0]["message"]

    # unchanged content: nothing to publish, no event
    result = _publish(sessionmaker, lower, cases)
    assert result["publication"] is None and "major_matter" in result["unchanged"]
    assert len(_events(sessionmaker)) == 2


def test_a_published_area_missing_from_the_draft_is_refused(folder, sessionmaker):
    files, cases = _draft(folder)
    _publish(sessionmaker, files, cases)
    files.pop("labour.yaml")
    cases.pop("labour.yaml", None)
    with pytest.raises(ValidationFailed) as refused:
        _publish(sessionmaker, files, cases)
    assert any("labour.yaml" in p["file"] and "enabled: false" in p["message"]
               for p in refused.value.detail["problems"])


def test_a_reason_is_required(folder, sessionmaker):
    files, cases = _draft(folder)
    with pytest.raises(ValidationFailed) as refused:
        _publish(sessionmaker, files, cases, message="  ")
    assert "message" in refused.value.detail["fields"]
    assert _rows(sessionmaker) == 0


def test_warnings_must_be_acknowledged_and_are_kept_with_the_version(folder, sessionmaker):
    files, cases = _draft(folder)
    _publish(sessionmaker, files, cases)
    capped = _bump(files, "civility_points.yaml", "help_neighbour: {label: 邻里互助, points: 5, kind: reward, cap_per_period: 20}",
                   "help_neighbour: {label: 邻里互助, points: 5, kind: reward, cap_per_period: 4}")
    cases = {**cases, "civility_points.yaml": cases["civility_points.yaml"].replace("cap_per_period: 20, period", "cap_per_period: 4, period", 1)}
    with pytest.raises(ValidationFailed) as refused:
        _publish(sessionmaker, capped, cases)
    assert refused.value.detail["needs_acknowledgement"] is True
    [warning] = refused.value.detail["warnings"]
    assert "一次都记不满" in warning["message"] and warning["expected"].startswith("cap_per_period: 5")
    result = _publish(sessionmaker, capped, cases, accept_warnings=True)
    assert result["warnings"] and "一次都记不满" in result["warnings"][0]
    with sessionmaker() as session:
        assert publishing.history(session, "civility_points")[0]["warnings"] == result["warnings"]


def test_the_decision_log_keeps_facts_rule_and_version_and_is_pruned(folder, sessionmaker):
    book = PolicyBook(folder)
    with sessionmaker() as session:
        logged = decisions.LoggedBook(book, lambda: session, lambda: NOW - timedelta(days=30))
        decision = logged.decide("major_matter", BRIDGE)
        session.commit()
        stored = decisions.get(session, decision["decision_id"])
        assert stored["facts"] == BRIDGE and stored["rule"] == "major_matter.budget" and stored["version"] == V
        page = decisions.listing(session, "major_matter", since="2026-01-01")
        assert [d["id"] for d in page["items"]] == [decision["decision_id"]]
        assert decisions.listing(session, "funding")["items"] == []
        assert decisions.prune(session, NOW, keep_days=60) == 0
        assert decisions.prune(session, NOW, keep_days=7) == 1
        session.commit()
        assert session.execute(select(func.count()).select_from(Decision)).scalar() == 0


def test_the_cases_a_version_was_published_with_are_kept_in_the_history(folder, sessionmaker):
    files, cases = _draft(folder)
    with sessionmaker() as session:
        publishing.publish_initial(session, files, NOW, cases)
        session.commit()
    edited, cases = _raise_threshold(files, cases)
    _publish(sessionmaker, edited, cases)
    with sessionmaker() as session:
        [latest, first] = publishing.history(session, "major_matter")
        assert latest["cases_sha256"] == publishing.sha256(cases["major_matter.yaml"]) != first["cases_sha256"]
        shown = publishing.version_view(publishing.get_version(session, "major_matter", V + 1), text=True)
        assert shown["cases"] == cases["major_matter.yaml"] and "200000" in shown["cases"]
        assert shown["cases_count"] == cases["major_matter.yaml"].count("- name:")
        initial = publishing.version_view(publishing.get_version(session, "major_matter", V), text=True)
        assert "200000" not in initial["cases"] and initial["cases_count"] > 0
