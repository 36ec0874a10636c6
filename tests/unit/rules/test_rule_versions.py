"""The repository's own rule files keep the publishing rule: the version goes up whenever the
content changes (a comment counts: the history stores the text). ``rule_versions.json`` records
the (version, sha256) each file had when last changed; a changed file must carry a higher
version, and then the record is rewritten with

    python -m tests.unit.rules.test_rule_versions

Without this, a deployment whose history holds v1 of a file would refuse the repository's next
draft ("content changed but version 1 is already published"), as happened to major_matter.yaml.
"""
from __future__ import annotations

import json
from pathlib import Path

from services.rules.engine import rules_dir
from services.rules.publishing import check_draft, sha256

from .helpers import version_of

RECORD = Path(__file__).with_name("rule_versions.json")


def current() -> dict[str, dict]:
    return {path.name: {"version": version_of(path), "sha256": sha256(path.read_text(encoding="utf-8"))}
            for path in sorted(rules_dir().glob("*.yaml"))}


def test_a_changed_rule_file_has_a_higher_version_and_is_recorded():
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    problems = []
    for name, now in current().items():
        before = recorded.get(name)
        if before is None:
            problems.append(f"rules/{name}: new file, not in {RECORD.name}")
        elif now["sha256"] != before["sha256"] and now["version"] <= before["version"]:
            problems.append(f"rules/{name}: content changed but version {now['version']} "
                            f"(recorded {before['version']}): write version: {before['version'] + 1}")
        elif now["sha256"] != before["sha256"] or now["version"] != before["version"]:
            problems.append(f"rules/{name}: v{before['version']} -> v{now['version']}, record it")
    assert not problems, "\n".join(problems) + "\nthen: python -m tests.unit.rules.test_rule_versions"


def test_the_publish_check_accepts_the_repository_rules_on_a_fresh_history():
    folder = rules_dir()
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
    cases = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "tests").glob("*.yaml"))}
    check = check_draft(files, cases, {})
    assert check.ok, (check.problems, check.failures)
    assert len(check.changes) == len(files)


if __name__ == "__main__":
    RECORD.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {RECORD}")
