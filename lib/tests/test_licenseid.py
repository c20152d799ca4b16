from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.licenseid import (
    ALPHABET,
    LicenseIdError,
    license_id_build,
    license_id_valid,
    mod37_36_check_char,
    mod37_36_valid,
)

bodies = st.text(alphabet=ALPHABET, min_size=1, max_size=60)


def test_it_builds_an_identifier_with_a_valid_check_character() -> None:
    lid = license_id_build(
        type_code="11100000000013338W", issuer_uscc="112100000011890873", serial="000123", version=2
    )
    assert lid.startswith("1.2.156.3005.2.11100000000013338W.112100000011890873.000123.002.")
    assert license_id_valid(lid)


def test_it_matches_the_iso_7064_worked_example() -> None:
    # The worked example for ISO/IEC 7064 MOD 37,36 (the hybrid system over 0-9A-Z).
    assert mod37_36_check_char("A12425GABC1234002") == "M"
    assert mod37_36_valid("A12425GABC1234002M")


@given(bodies)
def test_the_check_character_validates(body: str) -> None:
    assert mod37_36_valid(body + mod37_36_check_char(body))


@given(bodies, st.data())
def test_any_single_substitution_is_detected(body: str, data: st.DataObject) -> None:
    full = body + mod37_36_check_char(body)
    i = data.draw(st.integers(0, len(full) - 1))
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != full[i]]))
    assert not mod37_36_valid(full[:i] + other + full[i + 1 :])


def test_nearly_all_adjacent_transpositions_are_detected() -> None:
    # A hybrid ISO 7064 system catches every single substitution but not quite every swap of
    # neighbours (unlike the pure systems); over every pair of characters in a fixed body,
    # fewer than 1 in 200 swaps go unnoticed.
    missed = total = 0
    for a in ALPHABET:
        for b in ALPHABET:
            if a == b:
                continue
            body = "K2" + a + b + "Q7"
            full = body + mod37_36_check_char(body)
            swapped = full[:2] + b + a + full[4:]
            total += 1
            missed += mod37_36_valid(swapped)
    assert missed / total < 0.005


def test_it_refuses_bad_parts() -> None:
    with pytest.raises(LicenseIdError):
        license_id_build(type_code="ab-1", issuer_uscc="1", serial="1", version=1)
    with pytest.raises(LicenseIdError):
        license_id_build(type_code="A", issuer_uscc="1", serial="1", version=1000)
    assert not license_id_valid("1.2.156.3005.2.A.B.C.001")
    assert not license_id_valid("9.9.A.B.C.001.X")
