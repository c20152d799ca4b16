"""The statistics page's tables as CSV and XLSX (openpyxl), with the same rows the page shows
(`figures.tables`): CSV one table after another, each under its title; XLSX one sheet a table."""

from __future__ import annotations

import csv
import io
import re

from figures.selectors import Figures
from figures.tables import Table, figures_tables

# Excel refuses these in a sheet's name and allows at most 31 characters.
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def _heading(figures: Figures) -> list[str]:
    return [f"{figures.department.name} 统计分析", f"统计期间：{figures.period.label}"]


# A text cell a spreadsheet would read as a formula: the refusal reasons are staff's free text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _cells(table: Table) -> list[list[object]]:
    rows: list[list[object]] = [list(table.columns)]
    rows += [list(row) for row in table.rows]
    if table.totals:
        rows.append(list(table.totals))
    return [[_cell(value) for value in row] for row in rows]


def figures_csv(figures: Figures) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text as such."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in _heading(figures):
        writer.writerow([line])
    for table in figures_tables(figures):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerows(_cells(table))
        if table.note:
            writer.writerow([f"说明：{table.note}"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def figures_xlsx(figures: Figures) -> bytes:
    from openpyxl import Workbook  # imported when an export is asked for, not with every page
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "说明"
    for line in _heading(figures):
        sheet.append([line])
    tables = figures_tables(figures)
    for table in tables:
        if table.note:
            sheet.append([f"{table.title}：{table.note}"])
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_SHEET_UNSAFE.sub("_", table.title)[:31])
        for row in _cells(table):
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = bold
        sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
