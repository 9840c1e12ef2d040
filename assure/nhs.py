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
    if not re.fullmatch(r"[0-9]{10}", digits):
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def nhs_number_sql(column: str) -> str:
    """A DuckDB boolean expression, true when the column holds a valid NHS number (NULL
    when it is empty, which is DQ06's business); it mirrors valid_nhs_number so a
    record-level extract never leaves the database. The digits are read as one integer:
    per-character substr() made this half the cost of validating a record-level return."""
    digits = f"replace(replace({column}, ' ', ''), '-', '')"
    number = f"CAST({digits} AS UBIGINT)"  # evaluated only once the regex has matched
    weighted = " + ".join(f"(({number} // {10 ** (9 - i)}) % 10) * {10 - i}" for i in range(9))
    # (11 - s % 11) % 11 turns 11 into 0 and leaves 10, which no digit equals
    return (f"(CASE WHEN {column} IS NULL THEN NULL WHEN regexp_full_match({digits}, '[0-9]{{10}}') "
            f"THEN (11 - ({weighted}) % 11) % 11 = {number} % 10 ELSE false END)")
