"""`make bench`'s verdicts: a missed target says how far it is; a part not measured says why."""
from bench import suite


def _results(**values):
    results = {"reasons": {}, "errors": {}, "machine": "test", "finished_at": "now"}
    for key, *_ in suite.TARGETS:
        results[key] = None
    results.update(values)
    return results


def test_each_target_is_met_missed_by_how_much_or_unmeasured_with_its_reason():
    results = _results(quarter_seconds=300.0, ratio_to_bare=0.25, interactive_p99_ms=120.0,
                       rules_ratio_to_bare=0.6, rules_rss_growth_mb=None)
    results["reasons"]["rules_rss_growth_mb"] = "no rules run"
    rows = {row["key"]: row for row in suite.verdicts(results)}
    assert rows["quarter_seconds"]["met"] is False and rows["quarter_seconds"]["how_far"].startswith("2.5x the limit")
    assert rows["ratio_to_bare"]["met"] is False and rows["ratio_to_bare"]["how_far"] == "needs 4.0x more"
    assert rows["interactive_p99_ms"]["met"] is True and rows["interactive_p99_ms"]["how_far"] == "met"
    assert rows["rules_ratio_to_bare"]["met"] is True
    assert rows["rules_rss_growth_mb"]["met"] is None and rows["rules_rss_growth_mb"]["how_far"] == "no rules run"


def test_the_table_and_the_chart_are_written(tmp_path):
    results = _results(bare_msgs_per_s=5000.0, interactive_p99_ms=900.0)
    results["targets"] = suite.verdicts(results)
    text = suite.table(results)
    assert "MISS" in text and "1.8x the limit" in text and "5,000" in text
    suite.chart(results, tmp_path / "latest.svg")
    assert (tmp_path / "latest.svg").read_text().lstrip().startswith("<?xml")
