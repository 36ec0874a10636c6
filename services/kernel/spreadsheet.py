"""Spreadsheets in and out (CSV and .xlsx), streamed, knowing nothing of rosters.

Reading yields ``(row number as Excel shows it, [cell texts])`` one row at a time, so a county
file never sits in memory whole. Merged cells are read as villages mean them: every cell of a
merged range carries the range's value (a 组别 merged down a hamlet's rows names each row's
hamlet). Formula cells come through as their formula text (``=SUM(F4:F90)``) so a totals row can
be recognised as one. (Writing tables is services.kernel.tables.)
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Iterator
from xml.etree.ElementTree import ParseError, iterparse


class UnreadableFile(Exception):
    """The file is not a spreadsheet we can read; the message is for a clerk (Chinese)."""


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 0012 typed as a number as 12.0
    if isinstance(value, datetime):
        value = value.date() if not (value.hour or value.minute or value.second) else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()


def decode(data: bytes) -> str:
    """Excel on Chinese Windows saves CSV as GB18030; everything else is UTF-8 (maybe with BOM)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


@dataclass
class Source:
    """A file to read: its name (for messages) and either a path or its bytes."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def of_path(cls, path) -> "Source":
        path = Path(path)
        return cls(path.name, path=path)

    @property
    def kind(self) -> str:
        return Path(self.name).suffix.lower().lstrip(".")

    def open(self) -> IO[bytes]:
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data or b"")

    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data or b"")


def rows(source: Source) -> Iterator[tuple[int, list[str]]]:
    """Every row of the first sheet as cell texts, numbered as Excel numbers them."""
    if source.kind == "xlsx":
        return _xlsx_rows(source)
    if source.kind in ("csv", "txt"):
        return _csv_rows(source)
    raise UnreadableFile("表格应是 .xlsx 或 .csv 文件（旧版 .xls 请在 Excel 中“另存为” .xlsx）")


def _csv_rows(source: Source) -> Iterator[tuple[int, list[str]]]:
    with source.open() as raw:
        head = raw.read(65536)
        raw.seek(0)
        try:
            head.decode("utf-8-sig")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as exc:
            # a multi-byte character cut by the 64 KiB sample is still UTF-8
            encoding = "utf-8-sig" if exc.start >= len(head) - 4 else "gb18030"
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text)
        line = 0
        try:
            for values in reader:
                line += 1  # rows as Excel numbers them (a quoted cell with a newline is one row)
                yield line, [v.strip() for v in values]
        except UnicodeDecodeError:
            raise UnreadableFile("文件编码无法识别：请在 Excel 中另存为“CSV UTF-8”或 .xlsx") from None


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ch - 64)
    return index - 1


def _merged_ranges(zf: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
    """(first row, last row, first column, last column) of each merged range, 0-based columns.

    openpyxl's streaming reader does not expose merged cells, and the <mergeCells> element sits
    after all the rows; scanning the XML once in chunks for it costs little and keeps memory flat.
    """
    found = []
    tail = b""
    with zf.open(member) as stream:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            block = tail + chunk
            for m in _MERGE.finditer(block):
                c1, r1 = _column_index(m.group(1)), int(m.group(2))
                c2 = _column_index(m.group(3)) if m.group(3) else c1
                r2 = int(m.group(4)) if m.group(4) else r1
                found.append((r1, r2, c1, c2))
            tail = block[-200:]
            # a match wholly inside the kept tail would be counted twice: drop it from the tail
            last = None
            for m in _MERGE.finditer(tail):
                last = m
            if last is not None:
                tail = tail[last.end():]
    return sorted(set(found))


def _first_sheet_member(zf: zipfile.ZipFile) -> str:
    """The zip member of the workbook's first sheet (workbook order, not file name order)."""
    names = set(zf.namelist())
    try:
        workbook = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
        first = re.search(rb'<(?:\w+:)?sheet\b[^>]*?r:id="([^"]+)"', workbook)
        if first:
            rid = first.group(1)
            for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
                tag = rel.group(0)
                if re.search(rb'Id="' + re.escape(rid) + rb'"', tag):
                    target = re.search(rb'Target="([^"]+)"', tag).group(1).decode()
                    target = target.lstrip("/")
                    member = target if target.startswith("xl/") else f"xl/{target}"
                    if member in names:
                        return member
    except KeyError:
        pass
    return "xl/worksheets/sheet1.xml"


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_V, _T, _ROW_TAG = _MAIN + "v", _MAIN + "t", _MAIN + "row"


def _letters_index(reference: str) -> int:
    index = 0
    for ch in reference:
        if "A" <= ch <= "Z":
            index = index * 26 + (ord(ch) - 64)
        else:
            break
    return index - 1


def _xlsx_rows(source: Source) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows, parsed by ElementTree's C iterparse one ``<row>`` at a time and
    dropped once read (openpyxl's streaming reader parses the whole sheet once more for its size
    when Excel wrote none, and reads each cell through Python objects: 4x slower). openpyxl
    still reads the workbook's parts (shared strings, date styles, 1904 dates); cells come out as
    openpyxl gives them: numbers, dates for date styles, booleans, formulas as their text."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    try:
        with source.open() as raw, zipfile.ZipFile(raw) as zf:
            member = _first_sheet_member(zf)
            merged = _merged_ranges(zf, member)
    except (zipfile.BadZipFile, KeyError, OSError):
        raise UnreadableFile("不是有效的 .xlsx 文件（文件损坏，或是改了扩展名的 .xls）") from None
    handle = source.open()
    try:
        reader = ExcelReader(handle, read_only=True, data_only=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        reader.read_theme()
        apply_stylesheet(reader.archive, reader.wb)
        cells = _Cells(reader.shared_strings, reader.wb)
        stream = reader.archive.open(member)
    except Exception:  # noqa: BLE001  openpyxl raises many kinds on a bad file
        handle.close()
        raise UnreadableFile("不是有效的 .xlsx 文件（文件损坏，或是改了扩展名的 .xls）") from None
    try:
        starts: dict[int, list] = {}
        for r1, r2, c1, c2 in merged:
            starts.setdefault(r1, []).append((r1, r2, c1, c2))
        active: list[tuple[int, int, int, int, str]] = []  # ranges open on this row, with value
        number = 0
        for found, texts in cells.rows(stream):
            while number + 1 < found:  # rows Excel left out are blank rows
                number += 1
                yield number, _merge([], number, starts, active)
            number = found
            yield number, _merge(texts, number, starts, active)
    except ParseError:
        raise UnreadableFile("不是有效的 .xlsx 文件（表格内容无法解析）") from None
    finally:
        handle.close()


def _merge(texts: list[str], number: int, starts: dict, active: list) -> list[str]:
    """Every cell of a merged range carries the range's value."""
    if active:
        active[:] = [a for a in active if a[1] >= number]
    for r1, r2, c1, c2 in starts.pop(number, ()):
        value = texts[c1] if c1 < len(texts) else ""
        active.append((r1, r2, c1, c2, value))
    for _r1, _r2, c1, c2, value in active:
        if len(texts) <= c2:
            texts.extend([""] * (c2 + 1 - len(texts)))
        for column in range(c1, c2 + 1):
            texts[column] = value
    return texts


class _Cells:
    """A sheet's ``<row>`` elements as (row number, [cell texts])."""

    def __init__(self, shared_strings, workbook):
        self.strings = shared_strings
        self.dates = workbook._date_formats
        self.durations = workbook._timedelta_formats
        self.epoch = workbook.epoch
        self.shared_formulae: dict = {}

    def rows(self, stream) -> Iterator[tuple[int, list[str]]]:
        number = 0
        data = None
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag.endswith("sheetData"):
                    data = element
                continue
            if tag != _ROW_TAG and not tag.endswith("}row"):
                continue
            r = element.get("r")
            number = int(r) if r else number + 1
            texts: list[str] = []
            column = -1
            for cell in element:
                reference = cell.get("r")
                column = _letters_index(reference) if reference else column + 1
                if column >= len(texts):
                    texts.extend([""] * (column + 1 - len(texts)))
                texts[column] = cell_text(self.value(cell, reference))
            while texts and not texts[-1]:
                texts.pop()
            yield number, texts
            element.clear()
            if data is not None:
                data.clear()  # a read row is dropped, not kept as an empty shell

    def value(self, cell, reference):
        kind = cell.get("t", "n")
        formula = None
        text = None
        for child in cell:
            tag = child.tag
            if tag == _V:
                text = child.text or None
                continue
            name = tag.rsplit("}", 1)[-1]
            if name == "v":
                text = child.text or None
            elif name == "f":
                formula = child
            elif name == "is":
                if len(child) == 1 and child[0].tag == _T:
                    text = child[0].text or ""
                else:
                    text = "".join(t.text or "" for t in child.iter()
                                   if t.tag.endswith("}t") and not _in_phonetic(child, t))
        if formula is not None:
            return self.formula(formula, reference)
        if text is None:
            return None
        if kind == "n":
            number = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
            style = int(cell.get("s", 0) or 0)
            if style in self.dates:
                from openpyxl.utils.datetime import from_excel
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601
            return from_ISO8601(text)
        return text  # inlineStr, str (a formula's text result), e (#N/A)

    def formula(self, element, reference) -> str:
        value = "=" + (element.text or "")
        if element.get("t") == "shared":
            from openpyxl.formula.translate import Translator
            index = element.get("si")
            if index in self.shared_formulae and reference:
                return self.shared_formulae[index].translate_formula(reference)
            if value != "=" and reference:
                self.shared_formulae[index] = Translator(value, reference)
        return value


def _in_phonetic(root, target) -> bool:
    """Whether a <t> is a phonetic guide (<rPh>), which Excel does not show in the cell."""
    for run in root:
        if run.tag.endswith("}rPh") and any(t is target for t in run.iter()):
            return True
    return False


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")


def row_estimate(source: Source) -> int | None:
    """About how many rows the first sheet has, for a progress bar (never for a decision): the
    sheet's own dimension when Excel wrote one, else its size over the first rows' size; for a
    CSV its line count. None when it cannot tell."""
    try:
        if source.kind in ("csv", "txt"):
            lines = 0
            with source.open() as raw:
                while chunk := raw.read(1 << 20):
                    lines += chunk.count(b"\n")
            return lines
        if source.kind != "xlsx":
            return None
        with source.open() as raw, zipfile.ZipFile(raw) as zf:
            member = _first_sheet_member(zf)
            size = zf.getinfo(member).file_size
            with zf.open(member) as stream:
                head = stream.read(1 << 18)
        found = _DIMENSION.search(head[:4096])
        if found and found.group(1) and int(found.group(1)) > 1:
            return int(found.group(1))
        rows = len(_ROW.findall(head))
        return round(rows * size / len(head)) if rows and head else None
    except (zipfile.BadZipFile, KeyError, OSError):
        return None


def records(source: Source, columns: dict[str, tuple[str, ...]]) -> list[tuple[int, dict[str, str]]]:
    """The rows under a header row as ``(row number, {field: text})``: ``columns`` names each
    field's headers (Chinese and English, any case); other columns are ignored, blank rows skipped.
    A batch upload (a rating sheet, a labour list) reads its file with this."""
    header: dict[int, str] | None = None
    wanted = {alias.strip().lower(): name for name, aliases in columns.items() for alias in (name, *aliases)}
    found = []
    for line, cells in rows(source):
        if not any(cells):
            continue
        if header is None:
            header = {i: wanted[c.strip().lower()] for i, c in enumerate(cells) if c.strip().lower() in wanted}
            if not header:
                raise UnreadableFile("第一行应是表头（" + "、".join(a[0] if a else n for n, a in columns.items())
                                     + "）— the first row names the columns")
            continue
        found.append((line, {name: cells[i] if i < len(cells) else "" for i, name in header.items()}))
    if header is None:
        raise UnreadableFile("表格是空的 — the file has no rows")
    return found
