"""A compiled reader for marshmallow schemas: ``schema.load`` for the data that is valid, faster
(and ``schema.dump`` likewise).

Profiles of the county quarter put most of scoring's and notifications' CPU in marshmallow
loading batch events (a ``contribution.batch_recorded`` of 500 entries costs ~60 ms to load).
:func:`compile_loader` walks a schema once and builds plain closures for the fields we use
(strings, integers, booleans, floats, lists, nested schemas and their common validators); any
other field (money, periods, times, dicts) is read by its own ``_deserialize`` and validators. The fast path never decides that data is
invalid: at the first value it does not accept as marshmallow would, it gives up and the schema's
own ``load`` reads the data again, so errors (their messages, their nesting) and every unusual but
valid input come from marshmallow itself. Schemas with load hooks (``pre_load``, ``post_load``,
``validates``, ``validates_schema``) or ``unknown = INCLUDE`` are not compiled at all.

:func:`compile_dumper` does the same for ``schema.dump`` of what was loaded (a value not of the
exact type its field expects, or a key absent, sends the whole object to ``schema.dump``).

``tests/unit/kernel/test_fastload.py`` checks the result equals ``schema.load``'s, value and type,
for every catalogue event on generated valid and broken data.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate
from marshmallow.decorators import POST_DUMP, POST_LOAD, PRE_DUMP, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing

_LOAD_HOOKS = (PRE_LOAD, POST_LOAD, VALIDATES, VALIDATES_SCHEMA)
_DUMP_HOOKS = (PRE_DUMP, POST_DUMP)
# Fields whose value, of exactly this Python type, marshmallow loads and dumps unchanged (a bool
# is not an Integer's int: marshmallow refuses it there, so ``type(...) is``, not isinstance).
_AS_IS = {fields.String: str, fields.Integer: int, fields.Boolean: bool}


class _Slow(Exception):
    """The fast path cannot vouch for this value: marshmallow reads the whole input again."""


def compilable(schema: Schema) -> bool:
    """Whether :func:`compile_loader` would compile ``schema`` (else it is ``schema.load``)."""
    return _reader(schema) is not None


def compile_loader(schema: Schema | type[Schema]) -> Callable[[Any], dict]:
    """``load(data)``: the same result as ``schema.load(data)`` (or the same ValidationError)."""
    schema = schema() if isinstance(schema, type) else schema
    return _guarded(_reader(schema), schema.load)


def _guarded(fast, slow):
    """``fast``, and ``slow`` (marshmallow) for anything ``fast`` gives up on; ``slow`` alone
    where nothing was compiled."""
    if fast is None:
        return slow

    def run(value):
        try:
            return fast(value)
        except Exception:  # noqa: BLE001  anything unusual: marshmallow decides, as before
            return slow(value)

    run.fast = fast  # for tests: the compiled path alone, raising where it gives up
    return run


def _reader(schema: Schema) -> Callable[[Any], dict] | None:
    if any(schema._hooks.get(tag) for tag in _LOAD_HOOKS) or schema.many or schema.partial:
        return None
    unknown = schema.unknown
    if unknown not in (RAISE, EXCLUDE):
        return None
    plan = []
    for attr_name, field in schema.load_fields.items():
        read = _field_reader(field)
        if read is None:
            return None
        key_in = field.data_key if field.data_key is not None else attr_name
        key_out = field.attribute or attr_name
        if "." in key_out:  # marshmallow would nest it: leave that to marshmallow
            return None
        plan.append((key_in, key_out, read, field.required, field.load_default))
    known = frozenset(key_in for key_in, *_ in plan)
    plan = tuple(plan)
    dict_class = schema.dict_class
    check_unknown = unknown == RAISE

    def read(data):
        if type(data) is not dict:
            raise _Slow
        if check_unknown and not known.issuperset(data):
            raise _Slow
        out = dict_class()
        get = data.get
        for key_in, key_out, read_value, required, default in plan:
            value = get(key_in, missing)
            if value is missing:
                if required:
                    raise _Slow
                if default is missing:
                    continue
                out[key_out] = default() if callable(default) else default
            else:
                out[key_out] = read_value(value, data)
        return out

    return read


def _field_reader(field: fields.Field) -> Callable[[Any, dict], Any] | None:
    """``read(value, parent_data)`` for a present value: the loaded value, or _Slow."""
    allow_none = field.allow_none
    check = _validator(field.validators)
    kind = type(field)

    if kind in _AS_IS:
        exact = _AS_IS[kind]

        def convert(value, data):
            if type(value) is not exact:
                raise _Slow
            return value
    elif kind is fields.Float and not field.as_string:
        allow_nan = field.allow_nan

        def convert(value, data):
            if type(value) is not float and type(value) is not int:
                raise _Slow
            value = float(value)
            if not allow_nan and not math.isfinite(value):
                raise _Slow
            return value
    elif kind is fields.List:
        inner = _field_reader(field.inner)
        if inner is None:
            return None

        def convert(value, data):
            if type(value) is not list:
                raise _Slow
            return [inner(each, data) for each in value]
    elif kind is fields.Nested and field.unknown is None and not field.many:
        nested = field.schema
        if not isinstance(nested, Schema) or nested.many:
            return None
        read_nested = _reader(nested)
        if read_nested is None:
            return None

        def convert(value, data):
            return read_nested(value)
    else:
        # Any other field (Money, Period, AwareDateTime, Dict...): its own reading, exactly.
        deserialize = field._deserialize
        name = field.name

        def convert(value, data):
            return deserialize(value, name, data)

    if check is None:
        if allow_none:
            def read(value, data):
                return None if value is None else convert(value, data)
            return read
        return convert

    def read(value, data):
        if value is None:
            if allow_none:
                return None
            raise _Slow
        value = convert(value, data)
        check(value)
        return value

    return read


def _validator(validators) -> Callable[[Any], None] | None:
    """One callable raising _Slow where any of ``validators`` would refuse the value."""
    checks = [_one_check(v) for v in validators]
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]

    def check_all(value):
        for check in checks:
            check(value)
    return check_all


def _one_check(validator) -> Callable[[Any], None]:
    if type(validator) is validate.Length:
        low, high, equal = validator.min, validator.max, validator.equal

        def check(value):
            length = len(value)
            if (equal is not None and length != equal) or (low is not None and length < low) \
                    or (high is not None and length > high):
                raise _Slow
        return check
    if type(validator) is validate.OneOf:
        choices = validator.choices

        def check(value):
            if value not in choices:
                raise _Slow
        return check
    is_validator = isinstance(validator, validate.Validator)

    def check(value):
        # a Validator raises ValidationError; a plain function may also just return False
        if validator(value) is False and not is_validator:
            raise _Slow
    return check


# ---- dumping ------------------------------------------------------------------------------

def compile_dumper(schema: Schema | type[Schema]) -> Callable[[Any], dict]:
    """``dump(obj)``: the same result as ``schema.dump(obj)`` for a dict ``obj``."""
    schema = schema() if isinstance(schema, type) else schema
    return _guarded(_writer(schema), schema.dump)


def _writer(schema: Schema) -> Callable[[Any], dict] | None:
    if any(schema._hooks.get(tag) for tag in _DUMP_HOOKS) or schema.many:
        return None
    plan = []
    for attr_name, field in schema.dump_fields.items():
        write = _field_writer(field)
        if write is None or field.dump_default is not missing:
            return None
        key_out = field.data_key if field.data_key is not None else attr_name
        key_in = field.attribute or attr_name
        if "." in key_in:
            return None
        plan.append((key_in, key_out, write))
    plan = tuple(plan)
    dict_class = schema.dict_class

    def write(obj):
        if type(obj) is not dict:
            raise _Slow
        out = dict_class()
        for key_in, key_out, write_value in plan:
            # absent: marshmallow would look for an attribute of that name (dict.items...)
            out[key_out] = write_value(obj[key_in], obj)
        return out

    return write


def _field_writer(field: fields.Field) -> Callable[[Any, dict], Any] | None:
    """``write(value, parent)`` for a present value, or _Slow."""
    kind = type(field)
    if kind in _AS_IS and not getattr(field, "as_string", False):
        exact = _AS_IS[kind]

        def write(value, obj):
            if value is None or type(value) is exact:
                return value
            raise _Slow
    elif kind is fields.List:
        inner = _field_writer(field.inner)
        if inner is None:
            return None

        def write(value, obj):
            if value is None:
                return None
            if type(value) is not list:
                raise _Slow
            return [inner(each, obj) for each in value]
    elif kind is fields.Nested and not field.many:
        nested = field.schema
        if not isinstance(nested, Schema) or nested.many:
            return None
        write_nested = _writer(nested)
        if write_nested is None:
            return None

        def write(value, obj):
            return None if value is None else write_nested(value)
    else:
        serialize = field._serialize
        name = field.name

        def write(value, obj):
            return serialize(value, name, obj)
    return write
