"""Tables for people to download: one JSON-able shape, written as .xlsx or CSV.

A table is ``{"title", "headers", "rows", "money_columns", "sheet"}``. Money travels as exact
decimal strings (JSON has no decimal type); the writer turns the money columns back into
``Decimal`` so Excel sums them to the fen. The .xlsx is written in streaming mode.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import IO

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


def _money(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return value


def write(table: dict, fmt: str, out: IO[bytes]) -> None:
    if fmt == "csv":
        write_csv(table, out)
    elif fmt == "xlsx":
        write_xlsx(table, out)
    else:
        raise ValueError(f"format {fmt!r}: xlsx or csv")


def render(table: dict, fmt: str) -> bytes:
    buffer = io.BytesIO()
    write(table, fmt, buffer)
    return buffer.getvalue()


def write_csv(table: dict, out: IO[bytes]) -> None:
    """UTF-8 with a BOM: Excel on Chinese Windows needs it to show Chinese text."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(table["headers"])
    for row in table["rows"]:
        writer.writerow(["" if v is None else v for v in row])
    text.flush()
    text.detach()


def write_xlsx(table: dict, out: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    money = set(table.get("money_columns") or ())
    headers = table["headers"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet((table.get("sheet") or "Sheet1")[:31])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, 2 * len(header) + 6))
    sheet.print_title_rows = "2:2"   # the header repeats on every printed page
    title = WriteOnlyCell(sheet, value=table.get("title") or "")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    head = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        head.append(cell)
    sheet.append(head)
    rows = table["rows"]
    for position, row in enumerate(rows):
        cells = []
        for index, value in enumerate(row):
            if index in money:
                value = _money(value)
            cell = WriteOnlyCell(sheet, value=value)
            if index in money and isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            if position == len(rows) - 1 and table.get("totals"):
                cell.font = Font(bold=True)
            cells.append(cell)
        sheet.append(cells)
    workbook.save(out)
