"""Property tests for the field parsers: NHS numbers and periods."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from assure.nhs import nhs_check_digit, nhs_number_sql, valid_nhs_number
from assure.periods import Period, financial_year_end

CON = duckdb.connect()
digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(digits)
def test_a_number_with_its_check_digit_is_valid_and_any_other_digit_is_not(first_nine):
    check = nhs_check_digit(first_nine)
    if check is None:
        assert not any(valid_nhs_number(first_nine + str(d)) for d in range(10))
        return
    assert valid_nhs_number(first_nine + str(check))
    assert not valid_nhs_number(first_nine + str((check + 1) % 10))


@settings(max_examples=200)
@given(st.text(alphabet="0123456789 -x", max_size=13))
def test_sql_check_agrees_with_python(text):
    (sql,) = CON.execute(f"SELECT {nhs_number_sql('x')} FROM (SELECT ? AS x)", [text]).fetchone()
    assert sql == valid_nhs_number(text)


def test_known_numbers():
    assert valid_nhs_number("943 476 5919") and not valid_nhs_number("9434765918")


periods = st.builds(Period, st.integers(1990, 2100), st.integers(1, 12))


@given(periods)
def test_period_round_trips(period):
    assert Period.parse(str(period)) == period


@given(periods, st.integers(-300, 300))
def test_shift_and_months_since_are_inverse(period, months):
    assert period.shift(months).months_since(period) == months


@given(periods)
def test_financial_year_contains_its_months(period):
    end = financial_year_end(period.financial_year)
    assert 0 <= end.months_since(period) <= 11 and end.month == 3
