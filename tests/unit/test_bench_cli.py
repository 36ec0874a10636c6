"""`python -m bench NAME --option value` passes the options to that benchmark's main()."""
import sys
import types

import pytest

import bench.__main__ as cli


@pytest.fixture
def fake_bench(monkeypatch):
    seen = []
    module = types.ModuleType("bench.fake_part")
    module.main = lambda argv=None: seen.append(argv)
    monkeypatch.setitem(sys.modules, "bench.fake_part", module)
    monkeypatch.setattr(cli, "_is_bench", lambda word: word == "fake_part")
    return seen


def test_options_after_a_name_reach_its_main(fake_bench):
    assert cli.main(["fake_part", "--scale", "0.05", "--postgres"]) == 0
    assert fake_bench == [["--scale", "0.05", "--postgres"]]


def test_a_name_alone_calls_main_without_options(fake_bench):
    assert cli.main(["fake_part"]) == 0
    assert fake_bench == [None]


def test_an_unknown_word_is_refused_before_anything_runs(fake_bench, capsys):
    assert cli.main(["--scale", "0.05"]) == 2
    assert cli.main(["no_such_bench"]) == 2
    assert fake_bench == []
    assert "not a benchmark" in capsys.readouterr().err
