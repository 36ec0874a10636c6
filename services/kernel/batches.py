"""Batch commands (a hamlet's rating sheet, a work day's labour list, a month's contributions):
their rows, from JSON or an uploaded .xlsx/.csv, each checked against the single record's schema,
every error named by row and field (Chinese first) before anything is written."""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from marshmallow import Schema, ValidationError

from . import fastload, spreadsheet
from .errors import ValidationFailed

MAX_ROWS = 5000
NOTHING_SAVED = "表格有误，整批都没有保存，请按所列行改正 — the batch has errors; nothing was saved"

def row_message(line: int, field: str, message: str) -> str:
    """``第3行 stars：须不大于 10 …``: the row as the clerk's file numbers it, then the field
    (marshmallow's messages are Chinese first already, see ``services.kernel.messages``)."""
    return f"第{line}行 {field}：{message}"


def _flatten(messages, prefix=""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        yield prefix, messages
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            yield from _flatten(value, f"{prefix}.{index}")
    else:
        yield prefix, [str(messages)]


def load_rows(schema: Schema, rows: list, name: str, lines: list[int] | None = None,
              extra: dict | None = None) -> list[dict]:
    """Each row loaded by ``schema`` (with ``extra`` fields common to the batch): all of them,
    or ValidationFailed naming every bad row and field as ``<name>.<index>.<field>``."""
    if not rows:
        raise ValidationFailed.from_messages({name: ["至少一行 — at least one row"]})
    if len(rows) > MAX_ROWS:
        raise ValidationFailed.from_messages(
            {name: [f"一批最多 {MAX_ROWS} 行，请分批 — at most {MAX_ROWS} rows in one batch, not {len(rows)}"]})
    errors: dict[str, list[str]] = {}
    loaded = []
    load = fastload.compile_loader(schema)
    for index, row in enumerate(rows):
        line = lines[index] if lines else index + 1
        if not isinstance(row, dict):
            errors[f"{name}.{index}"] = [row_message(line, "row", "须为对象 (not an object)")]
            continue
        try:
            loaded.append(load({**(extra or {}), **row}))
        except ValidationError as exc:
            for field, messages in _flatten(exc.messages):
                errors[f"{name}.{index}.{field}"] = [row_message(line, field, m) for m in messages]
    if errors:
        raise ValidationFailed.from_messages(errors, NOTHING_SAVED)
    return loaded


def check_rows_or_file(data: dict, rows_field: str) -> None:
    """A batch input's ``validates_schema``: its rows as JSON, or an uploaded file, not both."""
    if (data.get(rows_field) is None) == (data.get("content_base64") is None):
        raise ValidationError({rows_field: [f"给出 {rows_field} 或上传文件（content_base64），只给一种 — "
                                            "the rows, or a file, not both"]})
    if data.get("content_base64") is not None and not data.get("filename"):
        raise ValidationError({"filename": ["上传文件要有文件名（.xlsx 或 .csv）— an upload names its file"]})


def _integer(text: str):
    return int(text) if re.fullmatch(r"-?\d+", text) else text


CONVERT: dict[str, Callable[[str], object]] = {"int": _integer, "text": str}


def uploaded_rows(filename: str, content_base64: str, columns: dict[str, tuple[tuple[str, ...], str]]
                  ) -> tuple[list[dict], list[int]]:
    """The rows of an uploaded sheet: ``columns`` maps each field to its header names and its
    kind (``int`` or ``text``); empty cells are left out, so the schema's defaults apply."""
    try:
        raw = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed.from_messages({"content_base64": ["不是 base64 — not base64"]}) from None
    try:
        records = spreadsheet.records(spreadsheet.Source(filename, data=raw),
                                      {name: aliases for name, (aliases, _kind) in columns.items()})
    except spreadsheet.UnreadableFile as exc:
        raise ValidationFailed.from_messages({"content_base64": [str(exc)]}) from None
    rows, lines = [], []
    for line, cells in records:
        rows.append({name: CONVERT[columns[name][1]](text) for name, text in cells.items() if text != ""})
        lines.append(line)
    return rows, lines


def send_file(args, service: str, method: str, payload: dict) -> int:
    """A batch command's CLI: the file (``args.file``) sent whole to the running service over
    RPC, as the platform's own call; prints the answer's summary or every row's error."""
    import json
    import sys
    from pathlib import Path

    from nameko.standalone.rpc import ClusterRpcProxy

    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    from services.kernel import config as kconfig
    from services.kernel.errors import CocreateError

    path = Path(args.file)
    payload = {**payload, "filename": path.name,
               "content_base64": base64.b64encode(path.read_bytes()).decode("ascii")}
    uri = getattr(args, "amqp_uri", None) or kconfig.load(getattr(args, "config", None))["AMQP_URI"]
    try:
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=args.timeout) as cluster:
            answer = getattr(getattr(cluster, service), method)(payload)
    except CocreateError as exc:
        print(f"{path.name}：{exc.detail.get('message', exc)}", file=sys.stderr)
        for field, messages in (exc.detail.get("fields") or {}).items():
            for message in messages:
                print(f"  {field}: {message}", file=sys.stderr)
        return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2) if args.json else args.summary(answer))
    return 0
