"""NHS field types: NHS numbers (Modulus 11 check digit), postcodes, ODS code shape."""

from __future__ import annotations

import re

POSTCODE = r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}"
ODS_CODE = r"[A-Za-z0-9]{3,9}"


def nhs_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit of nine digits, or None where none exists (remainder 10)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def valid_nhs_number(text: str) -> bool:
    digits = re.sub(r"[ -]", "", str(text))
    if not re.fullmatch(r"\d{10}", digits):
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def nhs_number_sql(column: str) -> str:
    """A DuckDB boolean expression, true when the column holds a valid NHS number; it
    mirrors valid_nhs_number so a record-level extract never leaves the database."""
    digits = f"regexp_replace({column}, '[ -]', '', 'g')"
    weighted = " + ".join(f"TRY_CAST(substr({digits}, {i + 1}, 1) AS INTEGER) * {10 - i}" for i in range(9))
    check = f"(11 - (({weighted}) % 11))"
    expected = f"CASE WHEN {check} = 11 THEN 0 ELSE {check} END"
    return (f"(CASE WHEN regexp_full_match({digits}, '[0-9]{{10}}') THEN {check} <> 10 "
            f"AND {expected} = TRY_CAST(substr({digits}, 10, 1) AS INTEGER) ELSE false END)")
