"""The compiled reader (``services.kernel.fastload``) gives what ``schema.load`` gives.

For every catalogue event: its documented example (valid) and every single change of it a
sender could make by mistake (a key dropped or added, a value null, of another type, out of
range...) is read both ways; the results must be equal value for value and type for type, or
both raise the same ValidationError. The valid examples must be read by the fast path itself
(it would be no faster otherwise), and the batch events must compile.
"""
from __future__ import annotations

import copy
import math
from datetime import datetime
from decimal import Decimal

import pytest
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from services.kernel import asyncapi, catalogue, events, fastload

TYPES = [t for t in catalogue.all_types()]

# What a sender might put in place of a value.
REPLACEMENTS = [None, "", "x", "2026Q2", "12.50", "1.005", "-3", "1e3", "２", 0, 1, -1, 7, 10**30,
                1.0, 2.5, float("nan"), float("inf"), True, False, [], [1], {}, {"a": 1},
                "2026-11-28T09:30:00+08:00", "2026-11-28T09:30:00", "2026-11-28", "a" * 200]


def _same(a, b) -> bool:
    """Equal, and of the same types all the way down (1 is not True, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _outcome(load, data):
    try:
        return "ok", load(copy.deepcopy(data))
    except ValidationError as exc:
        return "error", exc.messages


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield prefix + (key,), inner
            yield from _paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield prefix + (index,), inner
            yield from _paths(inner, prefix + (index,))


def _changed(document, path, change):
    out = copy.deepcopy(document)
    target = out
    for step in path[:-1]:
        target = target[step]
    change(target, path[-1])
    return out


def _variants(example: dict):
    yield example
    yield {**example, "not_a_field": 1}
    for path, _ in list(_paths(example)):
        if isinstance(path[-1], str):
            yield _changed(example, path, lambda t, k: t.pop(k))
            yield _changed(example, path, lambda t, k: t.__setitem__(k + "_typo", t[k]))
        for replacement in REPLACEMENTS:
            yield _changed(example, path, lambda t, k, r=replacement: t.__setitem__(k, r))
    for key in example:
        if isinstance(example[key], list) and example[key]:
            yield {**example, key: example[key] * 3}
            yield {**example, key: []}


@pytest.mark.parametrize("event_type", TYPES, ids=[t.name for t in TYPES])
def test_every_event_reads_as_marshmallow_reads_it(event_type):
    schema = event_type.schema()
    fast = fastload.compile_loader(event_type.schema)
    checked = 0
    for data in _variants(asyncapi.example_of(schema)):
        expected, got = _outcome(schema.load, data), _outcome(fast, data)
        assert expected[0] == got[0], (event_type.name, data, expected, got)
        assert _same(expected[1], got[1]), (event_type.name, data, expected, got)
        checked += 1
    assert checked > 1


@pytest.mark.parametrize("event_type", TYPES, ids=[t.name for t in TYPES])
def test_every_event_is_written_as_marshmallow_writes_it(event_type):
    """What a service emits is loaded first, then dumped: every variant that loads, dumped both ways."""
    schema = event_type.schema()
    dump = fastload.compile_dumper(event_type.schema)
    written = 0
    for data in _variants(asyncapi.example_of(schema)):
        outcome, loaded = _outcome(schema.load, data)
        if outcome != "ok":
            continue
        assert _same(dump(copy.deepcopy(loaded)), schema.dump(loaded)), (event_type.name, loaded)
        written += 1
    assert written >= 1


@pytest.mark.parametrize("event_type", TYPES, ids=[t.name for t in TYPES])
def test_a_valid_event_takes_the_fast_path(event_type):
    load = fastload.compile_loader(event_type.schema)
    if not hasattr(load, "fast"):
        pytest.skip(f"{event_type.name}: its schema has load hooks; marshmallow reads it")
    schema = event_type.schema()
    example = asyncapi.example_of(schema)
    loaded = load.fast(example)
    assert _same(loaded, schema.load(example))
    assert _same(fastload.compile_dumper(schema).fast(loaded), schema.dump(loaded))


@pytest.mark.parametrize("name", ["contribution.batch_recorded", "civility.sheet_rated",
                                  "households.registered"])
def test_the_batch_events_compile(name):
    if name not in {t.name for t in TYPES}:
        pytest.fail(f"{name} is not in the catalogue any more: update this list")
    assert fastload.compilable(catalogue.get(name).schema())


def test_a_big_batch_is_read_entry_by_entry_and_a_bad_entry_is_named_by_marshmallow():
    schema = catalogue.get("contribution.batch_recorded").schema()
    entry = asyncapi.example_of(schema)["entries"][0]
    batch = {"batch_id": "b1", "recorded_by": None,
             "entries": [dict(entry, entry_id=f"e{i}", amount="12.50", hours=None) for i in range(500)]}
    load = fastload.compile_loader(type(schema))
    loaded = load.fast(batch)
    assert loaded == schema.load(batch)
    assert loaded["entries"][499]["amount"] == Decimal("12.50")
    batch["entries"][321]["amount"] = "12.505"
    with pytest.raises(ValidationError) as err:
        load(batch)
    assert list(err.value.messages["entries"]) == [321]


class _Hooked(Schema):
    n = fields.Integer()

    @post_load
    def double(self, data, **kwargs):
        return {"n": data["n"] * 2}


class _Shapes(Schema):
    class Meta:
        unknown = EXCLUDE

    key = fields.String(data_key="Key", attribute="name", validate=validate.Length(max=3))
    when = fields.AwareDateTime(load_default=None)
    tags = fields.List(fields.String(validate=validate.OneOf(["a", "b"])), load_default=list)
    rate = fields.Float(validate=validate.Range(0, 1))
    flag = fields.Boolean(required=True)


def test_schemas_with_load_hooks_are_left_to_marshmallow():
    load = fastload.compile_loader(_Hooked)
    assert not fastload.compilable(_Hooked()) and not hasattr(load, "fast")
    assert load({"n": 2}) == {"n": 4}


@pytest.mark.parametrize("data", [
    {"Key": "abc", "flag": True, "extra": 1},
    {"Key": "abcd", "flag": True},
    {"flag": False, "when": "2026-11-28T09:30:00+08:00", "tags": ["a", "b"], "rate": 1},
    {"flag": False, "tags": ["c"]},
    {"flag": 1},
    {"flag": "true"},
    {"flag": True, "rate": 1.5},
    {"flag": True, "rate": "0.5"},
    {"flag": True, "when": "2026-11-28T09:30:00"},
    {"key": "ab", "flag": True},
])
def test_names_defaults_unknown_and_validators_as_marshmallow(data):
    expected, got = _outcome(_Shapes().load, data), _outcome(fastload.compile_loader(_Shapes), data)
    assert expected[0] == got[0] and _same(expected[1], got[1]), (expected, got)


def test_a_value_not_of_its_field_type_is_written_by_marshmallow():
    dump = fastload.compile_dumper(_Shapes)
    odd = {"name": 12, "when": None, "tags": ("a",), "rate": 1, "flag": 1}
    assert _same(dump(odd), _Shapes().dump(odd))
    with pytest.raises(Exception):
        dump.fast(odd)
    assert _same(dump({"flag": True}), _Shapes().dump({"flag": True}))  # absent keys too


def test_a_callable_default_gives_a_fresh_value_each_time():
    load = fastload.compile_loader(_Shapes)
    first, second = load.fast({"flag": True}), load.fast({"flag": True})
    assert first["tags"] == [] and first["tags"] is not second["tags"]
    assert isinstance(load.fast({"flag": True, "when": "2026-11-28T09:30:00+08:00"})["when"], datetime)
