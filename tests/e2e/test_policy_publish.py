"""Policy staff over HTTP, on the stack as `make run` starts it: publish a draft, read the
history, a version's text and a diff; a lowered version is refused in Chinese, naming the line."""
from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import expect


def _draft(stack) -> dict:
    folder = stack.rules_dir
    return {"files": {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))},
            "cases": {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "tests").glob("*.yaml"))}}


def test_publish_then_read_history_version_and_diff(api, stack, person):
    requests = person("policy_staff", "county:*")  # publishing is policy staff's (identity)
    [initial] = expect(requests.get(f"{api}/api/policy/history", params={"area": "beautiful_hamlet"}), 200)
    assert (initial["version"], initial["author"]) == (1, "system")

    draft = _draft(stack)
    text = draft["files"]["beautiful_hamlet.yaml"]
    assert "\nversion: 1\n" in text
    edited = text.replace("\nversion: 1\n", "\nversion: 2\n", 1) + "# 2026 年起由镇专班统一打分\n"
    published = expect(requests.post(f"{api}/api/policy/publish", json={
        **draft, "files": {**draft["files"], "beautiful_hamlet.yaml": edited},
        "message": "注明打分单位", "author": "county-policy-zhang"}), 200)
    assert [(f["area"], f["previous_version"], f["version"]) for f in published["files"]] == [("beautiful_hamlet", 1, 2)]

    in_force = {f["policy"]: f for f in expect(requests.get(f"{api}/api/policy"), 200)["files"]}
    assert in_force["beautiful_hamlet"]["version"] == 2
    # the publisher is the caller's identity, whatever the body says
    assert in_force["beautiful_hamlet"]["author"].startswith("token:")
    shown = expect(requests.get(f"{api}/api/policy/beautiful_hamlet/versions/2"), 200)
    assert shown["text"] == edited and shown["message"] == "注明打分单位"
    diff = expect(requests.get(f"{api}/api/policy/beautiful_hamlet/diff/1/2"), 200)
    assert "+# 2026 年起由镇专班统一打分" in diff["diff"]
    assert expect(requests.get(f"{api}/api/policy/beautiful_hamlet/versions/5"), 404)["error"] == "not_found"

    lowered = edited.replace("\nversion: 2\n", "\nversion: 1\n", 1) + "# 再改\n"
    refused = expect(requests.post(f"{api}/api/policy/publish", json={
        **draft, "files": {**draft["files"], "beautiful_hamlet.yaml": lowered},
        "message": "再改", "author": "county-policy-zhang"}), 400)
    assert any("低于已发布的 2" in p["message"] and p["line"] and p["expected"] == "version: 3"
               for p in refused["problems"])
    assert expect(requests.get(f"{api}/api/policy/history", params={"area": "beautiful_hamlet"}), 200)[0]["version"] == 2
