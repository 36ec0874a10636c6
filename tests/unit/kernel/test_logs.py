"""Log lines: a refusal told to the caller is one INFO line with ids and codes, never what the
caller sent; a fault of ours keeps its ERROR and traceback."""
import io
import logging
import sys

from marshmallow import ValidationError

from services.kernel.errors import NotFound, PolicyContractBroken
from services.kernel.identity import Forbidden
from services.kernel.logs import Refusals


def _log(exc: Exception) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(Refusals())
    log = logging.getLogger("nameko.containers")
    log.addHandler(handler)
    log.propagate, level = False, log.level
    log.setLevel(logging.INFO)
    try:
        try:
            raise exc
        except Exception:  # noqa: BLE001
            log.error("error handling worker %s: %s", "<WorkerContext [contributions.import_roster]>", exc,
                      exc_info=sys.exc_info())
    finally:
        log.removeHandler(handler)
        log.propagate = True
        log.setLevel(level)
    return out.getvalue()


def test_a_refusal_is_one_info_line_without_what_the_caller_sent():
    for exc, code in ((NotFound({"message": "没有伍建国 420102199001011234 这一户"}), "not_found"),
                      (Forbidden({"message": "超出权限范围"}), "forbidden"),
                      (ValidationError({"head_name": ["伍建国 写错了"]}), "error")):
        line = _log(exc)
        assert line.startswith("INFO refused <WorkerContext [contributions.import_roster]>"), line
        assert code in line and "伍建国" not in line and "4201" not in line and "Traceback" not in line


def test_a_fault_of_ours_keeps_its_error_and_traceback():
    line = _log(PolicyContractBroken({"message": "rules answered nonsense"}))
    assert line.startswith("ERROR error handling worker") and "Traceback" in line
    assert "ERROR" in _log(RuntimeError("boom"))
