"""The one test policy: the real rules engine over fixture rule files, and its RPC stand-in.

``tests/support/rules/`` holds the rule files the tests are written against (copies of the
policy staff's files in ``rules/``, so an edit there does not move a test's numbers). A test
that needs other numbers overrides an area's ``params`` (``FixturePolicy(participation={...})``):
the files are copied with those params changed and read by the same engine, so a fake can never
decide differently from the rules service.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from nameko.rpc import rpc

from services.rules.engine import PolicyBook

RULES = Path(__file__).parent / "rules"
_SHARED: dict[Path, PolicyBook] = {}  # compiling the rule files is slow; unchanged files share one book


class FixturePolicy:
    """``decide`` / ``params`` of ``services.rules.engine.PolicyBook``, recording what was asked."""

    def __init__(self, **params_by_area: dict):
        directory = RULES
        if params_by_area:
            directory = Path(tempfile.mkdtemp(prefix="cocreate-rules-"))
            for path in RULES.glob("*.yaml"):
                shutil.copy(path, directory / path.name)
            for area, params in params_by_area.items():
                path = directory / f"{area}.yaml"
                policy = yaml.safe_load(path.read_text(encoding="utf-8"))
                policy["params"] = {**(policy.get("params") or {}), **params}
                path.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
        self.directory = directory
        if directory not in _SHARED:
            _SHARED[directory] = PolicyBook(directory)
        self.book = _SHARED[directory]
        self.asked: list[tuple[str, str, dict | None]] = []

    def decide(self, area, facts):
        self.asked.append(("decide", area, facts))
        return self.book.decide(area, facts)

    def params(self, area):
        self.asked.append(("params", area, None))
        return self.book.params(area)

    def new_version(self, area: str) -> int:
        """The policy staff publish a new version of ``area``'s file (same rules); returns it."""
        if self.directory == RULES:  # never write into the shared fixtures
            private = Path(tempfile.mkdtemp(prefix="cocreate-rules-"))
            for path in RULES.glob("*.yaml"):
                shutil.copy(path, private / path.name)
            self.directory = private
        path = self.directory / f"{area}.yaml"
        policy = yaml.safe_load(path.read_text(encoding="utf-8"))
        policy["version"] = int(policy["version"]) + 1
        path.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
        self.book = PolicyBook(self.directory)
        return policy["version"]

    @property
    def calls(self) -> list[tuple[str, dict]]:
        """``(area, facts)`` of every decision asked, in order."""
        return [(area, facts) for kind, area, facts in self.asked if kind == "decide"]

    def decisions(self, area) -> list[dict]:
        """The facts of every ``decide`` asked of ``area``, in order."""
        return [facts for kind, asked, facts in self.asked if kind == "decide" and asked == area]


def rules_stand_in(policy):
    """A "rules" service answering the policy port over real RPC from ``policy`` (for service
    tests of one service; the real rules service is used where its events matter)."""
    class RulesStandIn:
        name = "rules"

        @rpc
        def decide(self, area, facts):
            return policy.decide(area, facts)

        @rpc
        def decide_many(self, area, facts_list):
            return [policy.decide(area, facts) for facts in facts_list]

        @rpc
        def params(self, area):
            return policy.params(area)

    return RulesStandIn
