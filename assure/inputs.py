"""Returns on disk -> tables in DuckDB: CSV (UTF-8 with or without BOM, or
Windows-1252; any common delimiter), Excel (.xlsx, first or named sheet) and Parquet.

Each file becomes a view with canonical column names and a `_row` column holding the
row as a person counts it in the file or sheet (CSV: the header is line 1; Excel: the
sheet row; Parquet: the 1-based record number), so every failure can be found again.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .db import literal, quote
from .model import Contract
from .periods import Period, is_period
from .results import Failure

READABLE = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel", ".parquet": "parquet"}
DELIMITERS = ",;\t|"


def normalise(header: str) -> str:
    """'  Org Code ' -> 'org_code': case, spacing and punctuation never decide a match."""
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Loaded:
    """A return read into DuckDB, or the file-level failures that stopped it."""

    file: str
    sha256: str
    view: str | None
    rows: int
    columns: tuple[str, ...]            # canonical names present in the view
    failures: tuple[Failure, ...]
    sheet: str = ""
    standalone: str | None = None       # SQL reading the file on its own, for `assure explain`
    types: tuple[tuple[str, str], ...] = ()  # (canonical column, DuckDB type) as read


# -- finding the period and its files --------------------------------------------------

def period_folders(root: Path) -> dict[Period, Path]:
    """Period folders under a submissions root, or the root itself if it is one."""
    if is_period(root.name):
        return {Period.parse(root.name): root}
    return {Period.parse(p.name): p for p in sorted(root.iterdir()) if p.is_dir() and is_period(p.name)}


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


def match(path: Path, contracts: dict, headers: list[str] | None) -> list[str]:
    """Contracts a file belongs to: by filename pattern first, then by its headers."""
    name = path.name.lower()
    by_name = [c.id for c in contracts.values()
               if any(fnmatch.fnmatch(name, pat.lower()) for pat in c.file_patterns)]
    if by_name or headers is None:
        return sorted(by_name)
    present = {normalise(h) for h in headers}
    return sorted(c.id for c in contracts.values()
                  if c.header_match and all(_known_as(c, h) & present for h in c.header_match))


def _known_as(contract: Contract, column: str) -> set[str]:
    spec = contract.column(column)
    return {normalise(spec.name), *(normalise(a) for a in spec.aliases)}


def peek_headers(path: Path) -> list[str] | None:
    kind = READABLE.get(path.suffix.lower())
    try:
        if kind == "csv":
            return _csv_header(path)[0]
        if kind == "excel":
            return None  # header matching for Excel needs the contract's sheet; names decide
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


# -- reading ----------------------------------------------------------------------------

class _Unreadable(Exception):
    def __init__(self, message: str, row: int = 0):
        super().__init__(message)
        self.row = row


def load(con, path: Path, rel: str, contract: Contract, table: str, tmp: str) -> Loaded:
    digest = sha256(path)
    kind = READABLE.get(path.suffix.lower())
    sheet, reader = "", None
    try:
        if kind == "csv":
            headers, reader = _load_csv(con, path, table, tmp)
        elif kind == "excel":
            headers, sheet = _load_excel(con, path, table, contract, tmp)
        elif kind == "parquet":
            headers, reader = _load_parquet(con, path, table)
        else:
            raise _Unreadable(f"{path.suffix or 'files without an extension'} is not a format assure reads "
                              "(CSV, Excel .xlsx or Parquet)")
    except _Unreadable as exc:
        failure = Failure(rel, exc.row, "", "", "DQ14", f"cannot read {rel}: {exc}")
        return Loaded(rel, digest, None, 0, (), (failure,), sheet)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if rows == 0:
        failure = Failure(rel, 0, "", "", "DQ13", f"{rel} has a header but no data rows")
        return Loaded(rel, digest, None, 0, (), (failure,), sheet)
    view, columns, failures, select = _map_columns(con, table, headers, contract, rel)
    types = tuple((r[0], r[1]) for r in con.execute(f"DESCRIBE {view}").fetchall())
    standalone = f"SELECT {select} FROM ({reader})" if reader else None
    return Loaded(rel, digest, view, rows, columns, tuple(failures), sheet, standalone, types)


def _csv_header(path: Path) -> tuple[list[str], str, str]:
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    encoding = "utf-8-sig"
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 64 KiB boundary is not a bad encoding.
        if exc.start < len(head) - 4:
            encoding = "cp1252"
        text = head[: exc.start].decode("utf-8-sig") if encoding == "utf-8-sig" else head.decode("cp1252", "replace")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        return [], ",", encoding
    counts = {d: first.count(d) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    headers = next(csv.reader([first], delimiter=delimiter))
    return headers, delimiter, encoding


def _load_csv(con, path: Path, table: str, tmp: str) -> tuple[list[str], str | None]:
    headers, delimiter, encoding = _csv_header(path)
    if not headers:
        raise _Unreadable("the file is empty")
    _check_header_names(headers)
    source = path
    if encoding == "cp1252":
        source = _transcode(path, tmp)
    columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in headers) + "}"
    reader = (f"read_csv({literal(str(source.resolve()))}, header = true, auto_detect = false, "
              f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', columns = {columns})")
    sql = f"CREATE TABLE {table} AS SELECT * FROM {reader}"
    try:
        con.execute(sql)
    except Exception as exc:  # duckdb raises its own error types; all mean "cannot parse"
        message = str(exc)
        if "not utf-8 encoded" in message and encoding != "cp1252":
            con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute(sql.replace(literal(str(source.resolve())), literal(str(_transcode(path, tmp)))))
            return headers, None
        line = re.search(r"Line: (\d+)", message)
        detail = message.split("\n")[0].replace("Invalid Input Error: ", "")
        found = re.search(r"Expected Number of Columns: \d+ Found: \d+", message)
        raise _Unreadable(found.group(0) if found else detail, int(line.group(1)) if line else 0) from None
    # rowid follows insertion order, which DuckDB preserves: data line n is row n + 1.
    con.execute(f"CREATE VIEW {table}_r AS SELECT rowid + 2 AS _row, * FROM {table}")
    standalone = None if encoding == "cp1252" else f"SELECT row_number() OVER () + 1 AS _row, * FROM {reader}"
    return headers, standalone


def _transcode(path: Path, tmp: str) -> Path:
    """Windows-1252 -> UTF-8, streamed, because DuckDB reads only UTF-8 without extensions."""
    target = Path(tempfile.mkstemp(suffix=".csv", dir=tmp)[1])
    with open(path, "r", encoding="cp1252", errors="strict", newline="") as src, \
            open(target, "w", encoding="utf-8", newline="") as dst:
        try:
            for block in iter(lambda: src.read(1 << 20), ""):
                dst.write(block)
        except UnicodeDecodeError as exc:
            raise _Unreadable(f"the file is neither UTF-8 nor Windows-1252 (byte {exc.start})") from None
    return target


def _check_header_names(headers: list[str]) -> None:
    seen = {}
    for position, header in enumerate(headers, start=1):
        key = normalise(header)
        if not key:
            raise _Unreadable(f"column {position} has no header", 1)
        if key in seen:
            raise _Unreadable(f"columns {seen[key]} and {position} both have the header {header!r}", 1)
        seen[key] = position


def _load_excel(con, path: Path, table: str, contract: Contract, tmp: str) -> tuple[list[str], str]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _Unreadable(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = _pick_sheet(book, contract)
        target = Path(tempfile.mkstemp(suffix=".csv", dir=tmp)[1])
        headers = _sheet_to_csv(book[sheet], target)
    finally:
        book.close()
    columns = "{'_row': 'BIGINT', " + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in headers) + "}"
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv({literal(str(target))}, header = true, "
                f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {columns})")
    con.execute(f"CREATE VIEW {table}_r AS SELECT * FROM {table}")
    return headers, sheet


def _pick_sheet(book, contract: Contract) -> str:
    if contract.sheet:
        if contract.sheet not in book.sheetnames:
            raise _Unreadable(f"the workbook has no sheet {contract.sheet!r} (it has {', '.join(book.sheetnames)})")
        return contract.sheet
    return book.sheetnames[0]


def _sheet_to_csv(sheet, target: Path) -> list[str]:
    rows = sheet.iter_rows(values_only=True)
    header_row = 0
    headers: list[str] = []
    for header_row, values in enumerate(rows, start=1):
        if any(v not in (None, "") for v in values):
            headers = [("" if v is None else str(v)) for v in values]
            break
    while headers and headers[-1] == "":
        headers.pop()
    if not headers:
        raise _Unreadable("the sheet is empty")
    _check_header_names(headers)
    width = len(headers)
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["_row", *headers])
        for number, values in enumerate(rows, start=header_row + 1):
            cells = [_cell(v) for v in values[:width]]
            if any(cells):
                writer.writerow([number, *cells, *[""] * (width - len(cells))])
    return headers


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") and (value.hour or value.minute) else value.isoformat()[:10]
    return str(value)


def _load_parquet(con, path: Path, table: str) -> tuple[list[str], str]:
    reader = f"read_parquet({literal(str(path.resolve()))}, file_row_number = true)"
    try:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM {reader}")
        names = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    except Exception as exc:  # duckdb's error types: an unreadable file whatever the cause
        raise _Unreadable(str(exc).split("\n")[0]) from None
    headers = [n for n in names if n != "file_row_number"]
    _check_header_names(headers)
    row_view = "SELECT file_row_number + 1 AS _row, * EXCLUDE (file_row_number) FROM"
    con.execute(f"CREATE VIEW {table}_r AS {row_view} {table}")
    return headers, f"{row_view} {reader}"


def _map_columns(con, table: str, headers: list[str], contract: Contract, rel: str):
    """Rename the file's headers to the contract's column names; report the rest."""
    by_key = {normalise(h): h for h in headers}
    failures, selected, present = [], ["_row"], []
    used = set()
    for spec in contract.columns:
        found = next((by_key[k] for k in (normalise(spec.name), *map(normalise, spec.aliases)) if k in by_key), None)
        if found is None:
            if spec.required:
                close = _closest(spec.name, [h for h in headers if normalise(h) not in _all_known(contract)])
                hint = f"; the file has {close!r}, which looks like a misspelling" if close else ""
                failures.append(Failure(rel, 1, spec.name, close or "", "DQ01",
                                        f"required column `{spec.name}` is missing{hint}"))
            continue
        used.add(normalise(found))
        selected.append(f"{quote(found)} AS {quote(spec.name)}")
        present.append(spec.name)
    if not contract.allow_extra_columns:
        for header in headers:
            if normalise(header) not in used:
                failures.append(Failure(rel, 1, header, header, "DQ02",
                                        f"column {header!r} is not in the `{contract.id}` contract and was ignored",
                                        severity="warning"))
    view = f"{table}_v"
    con.execute(f"CREATE VIEW {view} AS SELECT {', '.join(selected)} FROM {table}_r")
    return view, tuple(present), failures, ", ".join(selected)


def _all_known(contract: Contract) -> set[str]:
    return {k for spec in contract.columns for k in _known_as(contract, spec.name)}


def _closest(name: str, candidates: list[str]) -> str | None:
    import difflib

    keyed = {normalise(c): c for c in candidates}
    close = difflib.get_close_matches(normalise(name), list(keyed), n=1, cutoff=0.75)
    return keyed[close[0]] if close else None
