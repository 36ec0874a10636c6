"""``cocreate ratings sheet`` and ``cocreate contributions batch``: the file goes whole to the
service; a refusal prints every row's error and exits 1."""
from __future__ import annotations

import pytest

from services import cli
from services.kernel import batches
from services.kernel.errors import ValidationFailed


class Cluster:
    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def __getattr__(self, service):
        outer = self

        class Service:
            def __getattr__(self, method):
                def call(payload):
                    outer.asked.append((service, method, payload))
                    if isinstance(outer.answer, Exception):
                        raise outer.answer
                    return outer.answer
                return call
        return Service()


@pytest.fixture
def cluster(monkeypatch):
    holder = {}

    class Proxy:
        def __init__(self, config, timeout=None):
            pass

        def __enter__(self):
            return holder["cluster"]

        def __exit__(self, *exc):
            return False
    monkeypatch.setattr("nameko.standalone.rpc.ClusterRpcProxy", Proxy)
    return holder


def test_a_rating_sheet_file_is_sent_whole(tmp_path, cluster, capsys):
    sheet = tmp_path / "g3.csv"
    sheet.write_text("户号,星级\nh1,8\n", encoding="utf-8")
    cluster["cluster"] = Cluster({"sheet_id": "rs-1", "hamlet_id": "g3", "quarter": "2026Q2",
                                  "ratings": [{"points": 16}]})
    args = cli.build_parser().parse_args(["ratings", "sheet", str(sheet), "--hamlet", "g3", "--quarter", "2026Q2",
                                          "--rated-by", "board"])
    args.amqp_uri = "amqp://x/"
    assert args.func(args) == 0
    [(service, method, payload)] = cluster["cluster"].asked
    assert (service, method, payload["filename"], payload["hamlet_id"]) == ("scoring", "rate_sheet", "g3.csv", "g3")
    assert "评了 1 户" in capsys.readouterr().out


def test_a_refused_batch_prints_each_row_and_exits_1(tmp_path, cluster, capsys):
    sheet = tmp_path / "day.csv"
    sheet.write_text("户号,数量\nnobody,1\n", encoding="utf-8")
    cluster["cluster"] = Cluster(ValidationFailed.from_messages(
        {"entries.0.household": [batches.row_message(2, "household", "未找到户 nobody")]}, batches.NOTHING_SAVED))
    args = cli.build_parser().parse_args(["contributions", "batch", str(sheet), "--kind", "labour",
                                          "--project", "p1", "--unit", "days"])
    args.amqp_uri = "amqp://x/"
    assert args.func(args) == 1
    [(_service, _method, payload)] = cluster["cluster"].asked
    assert (payload["kind"], payload["project_id"], payload["unit"]) == ("labour", "p1", "days")
    err = capsys.readouterr().err
    assert "整批都没有保存" in err and "entries.0.household: 第2行 household：未找到户 nobody" in err
