"""The spreadsheet layer every importer and exporter shares ("Excel at the edges", shared/DESIGN.md).

Pure Python, no Django: ledgers, project sheets and tax files all read and write through it, so each of them
understands what offices type and every export reads back in. Messages are Chinese sentences for the person who
uploaded the file.

Reading (`zhili.excel.reading`)
    `open_rows(path_or_file, *, filename, max_bytes=50 MiB, max_rows=1_000_000, max_blank_run=1000)` →
    `SheetRows`, an iterator of `(excel_row_number, values)` for the non-empty rows of the first visible sheet of
    an .xlsx/.xlsm/.xlsb/.xls/.ods (python-calamine) or .csv (UTF-8 with or without BOM, UTF-16, GB18030/GBK).
    `values[i]` is column i (0 = A): str, int, float, date, datetime, bool or None. Refusals are
    `SpreadsheetError` (str() is the sentence, `.code` a stable reason): too large, not a spreadsheet,
    password-protected, corrupt, zip bomb, too many rows (`max_rows` data rows plus `HEADER_ALLOWANCE` = 20 for
    titles and headers), undecodable CSV. Reading stops after `max_blank_run` empty rows in a row
    (`SheetRows.stopped_at_row`, `.more_after_stop`). python-calamine loads a whole sheet into memory, so a large
    .xlsx sheet (XML over `XLSX_CHUNK_BYTES` = 64 MiB) is fed to it in row-aligned slices (`SheetRows.chunked`):
    a million rows × 12 columns peak at ~0.6 GB instead of ~1.1 GB. `column_letter(i)` → "A", "B", …

Headers (`zhili.excel.headers`)
    `find_header(rows, expected, *, scan=15)` → `HeaderMatch(header_row, columns, first_data_row, header_rows,
    matched, units)`: the header under title rows, two-row headers under a merged parent resolved to
    "户主信息/姓名". `normalise_header(text)` (and `split_header(text)` → (key, unit)). `map_columns(columns,
    fields, remembered=None)` → ({column index: field key}, [labels not found]); a remembered manual mapping wins.
    `guess_header(rows, *, scan=15)` → `HeaderMatch` for a file whose columns are not known yet (a ledger proposed
    from it): the first wide text row under the titles, with a merged header's second row.

Values (`zhili.excel.values`)
    Each parser returns `Parsed(value, warning)` or raises `ValueProblem` (a ValueError with a Chinese
    `message`): `parse_text`, `parse_integer`, `parse_decimal` (units, percent, rounding), `parse_date`,
    `parse_yes_no`, `parse_choice` / `ChoiceMatcher`, `parse_phone`, `parse_identity` (GB 11643; retired area codes
    only warn; numbers Excel stored as numbers are refused; 15-digit numbers are converted to 18 with a warning),
    `parse_uscc` (GB 32100), `match_region` / `RegionMatcher` (孔家坊 = 孔家坊村), `excel_serial_to_date`,
    `unit_factor`. Row filters: `is_blank`, `is_total_row`, `is_signature_row`.

Writing (`zhili.excel.writing`)
    `write_xlsx(path_or_buffer, *, title, subtitle, headers, rows, column_formats=None)`: streaming
    (constant_memory), title merged across the columns, dates as real dates (yyyy-mm-dd), identity numbers and long
    digit strings as text, and every text cell written as text — a value starting with "=", "+", "-" or "@" never
    becomes a formula.

A typical import::

    from zhili import excel

    with excel.open_rows(upload, filename=upload.name) as reader:
        head = [row for _, row in zip(range(15), reader)]
        match = excel.find_header(head, expected=all_labels)
        mapping, missing = excel.map_columns(match.columns, fields, remembered)
        for number, values in itertools.chain((r for r in head if r[0] > match.header_row), reader):
            if excel.is_total_row(values) or excel.is_signature_row(values):
                continue
            ...  # parse each mapped cell; report (number, excel.column_letter(i), value, problem.message)
"""

from .headers import HeaderMatch, find_header, guess_header, map_columns, normalise_header, split_header
from .reading import SheetRows, SpreadsheetError, column_letter, open_rows
from .values import (
    ChoiceMatcher,
    Parsed,
    RegionMatcher,
    ValueProblem,
    excel_serial_to_date,
    is_blank,
    is_signature_row,
    is_total_row,
    match_region,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_identity,
    parse_integer,
    parse_phone,
    parse_text,
    parse_uscc,
    parse_yes_no,
    unit_factor,
)
from .writing import write_xlsx

__all__ = [
    "ChoiceMatcher",
    "HeaderMatch",
    "Parsed",
    "RegionMatcher",
    "SheetRows",
    "SpreadsheetError",
    "ValueProblem",
    "column_letter",
    "excel_serial_to_date",
    "find_header",
    "guess_header",
    "is_blank",
    "is_signature_row",
    "is_total_row",
    "map_columns",
    "match_region",
    "normalise_header",
    "open_rows",
    "parse_choice",
    "parse_date",
    "parse_decimal",
    "parse_identity",
    "parse_integer",
    "parse_phone",
    "parse_text",
    "parse_uscc",
    "parse_yes_no",
    "split_header",
    "unit_factor",
    "write_xlsx",
]
