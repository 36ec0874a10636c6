from nameko.exceptions import deserialize, serialize

import services.kernel.nameko_ext  # noqa: F401  (registers the errors for deserialisation)
from services.kernel.errors import IllegalTransition, NotFound, ValidationFailed


def test_errors_cross_rpc_as_themselves_with_their_detail_intact():
    original = IllegalTransition.of("motion", "draft", "approve", {"raise", "withdraw"})
    original.detail["attendance"] = 6
    back = deserialize(serialize(original))
    assert type(back) is IllegalTransition
    assert back.detail == original.detail
    assert back.detail["attendance"] == 6 and back.detail["allowed"] == ["raise", "withdraw"]
    assert back.to_dict()["error"] == "illegal_transition"


def test_plain_messages_and_http_statuses():
    assert str(NotFound("no such hamlet")) == "no such hamlet"
    assert NotFound.of("hamlet", "g9").http_status == 404
    failed = ValidationFailed.from_messages({"tally": ["larger than attendance"]})
    assert failed.http_status == 400 and failed.to_dict()["fields"] == {"tally": ["larger than attendance"]}
    assert deserialize(serialize(failed)).detail == failed.detail
