"""The in-process policy client (``services.kernel.policy_client``): on the shipped rules it
answers what the rules service answers, it swaps in a new publication, keeps the rules in
force when a set does not load, and its log records make valid ``policy.decisions_logged``."""
import json

import pytest

from bench.rules_memory import FACTS
from services.kernel import events
from services.kernel.errors import PolicyRefused, ValidationFailed
from services.kernel.policy_client import LOG_CHUNK, LOG_EVENT, LocalRules, log_events
from services.rules.dependencies import folder_texts
from services.rules.engine import PolicyBook, rules_dir

SHIPPED = folder_texts(rules_dir())


class Published:
    """The rules service's ``published_rules`` answer, over a set of texts that can change."""

    def __init__(self, files):
        self.files, self.fingerprint, self.asked = dict(files), "1", []

    def publish(self, name, old, new):
        assert old in self.files[name]
        self.files[name] = self.files[name].replace(old, new, 1)
        self.fingerprint = str(int(self.fingerprint) + 1)

    def __call__(self, known):
        self.asked.append(known)
        if known == self.fingerprint:
            return {"fingerprint": self.fingerprint, "unchanged": True}
        return json.loads(json.dumps({"fingerprint": self.fingerprint, "files": self.files, "extra": {}}))


@pytest.fixture(scope="module")
def service_book():
    """What the rules service decides by: the engine over the same (published) texts."""
    book = PolicyBook.from_texts(SHIPPED, "published")
    yield book
    book.close()


def _over_rpc(value):
    return json.loads(json.dumps(value, default=str))


MORE_FACTS = [
    ("labour", {"check": "eligibility", "project_scope": "village", "project_hamlet_id": None,
                "contributor_hamlet_id": "g1"}),
    ("civility_points", {"deed_code": "help_neighbour"}),
    ("major_matter", {"scope": "village", "estimated_budget": 100000}),
    ("major_matter", {"scope": "hamlet", "estimated_budget": 99999.5, "kind": "other"}),
]


def test_the_client_answers_what_the_service_answers_on_the_shipped_rules(service_book):
    local = LocalRules(Published(SHIPPED))
    assert local.refresh() is True and local.ready
    cases = [(area, make(i)) for i in range(60) for area, make in [FACTS[i % len(FACTS)]]] + MORE_FACTS
    compared = 0
    for area, facts in cases:
        try:
            expected = _over_rpc(service_book.decide(area, _over_rpc(facts)))
        except (ValidationFailed, PolicyRefused) as exc:
            with pytest.raises(type(exc)) as same:
                local.decide(area, facts)
            assert same.value.detail == exc.detail
            continue
        decision, record = local.decide(area, facts)
        assert {k: v for k, v in decision.items() if k != "decision_id"} == expected
        assert (record["area"], record["version"], record["rule_id"], record["outcome"]) == (
            area, expected["rule"]["version"], expected["rule"]["id"], expected["outcome"])
        assert record["id"] == decision["decision_id"] and record["facts"] == _over_rpc(facts)
        compared += 1
    assert compared >= 50
    for area in ("publicity", "participation", "major_matter"):
        assert local.params(area) == _over_rpc(service_book.params(area))
    with pytest.raises(ValidationFailed):
        local.decide("major_matter", {"scope": "village"})  # a missing fact, as over RPC


def test_a_publication_is_swapped_in_and_an_unchanged_set_is_not_reloaded():
    published = Published(SHIPPED)
    local = LocalRules(published)
    local.refresh()
    bridge = {"scope": "village", "estimated_budget": 80000}
    before, _ = local.decide("major_matter", bridge)
    assert before["outcome"] == "ordinary"
    book = local.book
    assert local.refresh() is False and published.asked[-1] == published.fingerprint

    version = before["rule"]["version"]
    published.publish("major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: 50000")
    published.publish("major_matter.yaml", f"version: {version}\n", f"version: {version + 1}\n")
    assert local.refresh() is True and local.book is book  # the same book, its rules swapped
    after, record = local.decide("major_matter", bridge)
    assert (after["outcome"], after["rule"]["version"]) == ("major", version + 1)
    assert record["version"] == version + 1


def test_a_set_that_does_not_load_leaves_the_rules_in_force():
    published = Published(SHIPPED)
    local = LocalRules(published)
    local.refresh()
    fingerprint = local.fingerprint
    published.publish("major_matter.yaml", "major_budget_yuan: 100000", "major_budget_yuan: lots")
    with pytest.raises(Exception):
        local.refresh()
    assert local.fingerprint == fingerprint
    decision, _ = local.decide("major_matter", {"scope": "village", "estimated_budget": 80000})
    assert decision["outcome"] == "ordinary"


def test_the_log_records_travel_as_valid_events_in_chunks():
    local = LocalRules(Published(SHIPPED))
    local.refresh()
    _, records = local.decide_many("civility_points", [{"deed_code": "help_neighbour"}] * (LOG_CHUNK + 3))
    payloads = list(log_events("scoring", records))
    assert [len(data["decisions"]) for data, _ in payloads] == [LOG_CHUNK, 3]
    for data, subject in payloads:
        envelope = events.make_envelope(LOG_EVENT, data, subject)  # the catalogue's schema holds
        assert events.parse_envelope(envelope).data["decisions"][0]["rule_id"] == records[0]["rule_id"]
    assert events.audience_of(LOG_EVENT) == "internal"


def test_the_benchmarks_in_process_measure_runs_on_the_shipped_rules():
    """``make bench``'s rules part drives the client through ``bench.rules_service.in_process``:
    it must keep working with the kernel it measures (a changed signature broke it once)."""
    from bench.rules_service import in_process

    published = Published(SHIPPED)(None)
    done, seconds = in_process(published, limit=1200)
    assert done >= 1200 and seconds > 0
