"""lib/datacrypt.py: SM4-GCM values with their key id and field identity, key parsing that
fails loudly, and HMAC-SM3 blind indexes of normalised values."""

from __future__ import annotations

import base64
import hmac
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import override_settings

from lib import datacrypt
from lib.datacrypt import (
    DataKeyError,
    DecryptError,
    blind_index_key_parse,
    current_key_id,
    data_key_new,
    data_keys_parse,
    decrypt_text,
    encrypt_text,
    identity_index,
    keys_check,
    mobile_index,
    token_key_id,
)
from lib.sm3 import hmac_sm3_tongsuo
from portal.testenv import TEST_KEYS

NUMBER = "21010219900307001X"
OLD_KEY = "old:" + base64.b64encode(b"o" * 16).decode()
NEW_KEY = "new_1:" + base64.b64encode(b"n" * 16).decode()


def test_a_value_round_trips_and_carries_its_key_id():
    token = encrypt_text(NUMBER, context="accounts.User.id_number")
    assert token.startswith("sm4:test1:")
    assert NUMBER not in token
    assert token_key_id(token) == "test1"
    assert decrypt_text(token, context="accounts.User.id_number") == NUMBER


def test_the_same_value_encrypts_differently_each_time():
    # A fresh nonce each time: equal values are not equal ciphertexts (that is the index's job).
    first, second = (encrypt_text(NUMBER, context="c") for _ in range(2))
    assert first != second


def test_a_value_moved_to_another_field_does_not_decrypt():
    token = encrypt_text(NUMBER, context="accounts.User.id_number")
    with pytest.raises(DecryptError, match="被改动或属于其他字段"):
        decrypt_text(token, context="registry.Person.id_number")


def test_a_changed_byte_is_refused():
    token = encrypt_text(NUMBER, context="c")
    raw = bytearray(base64.b64decode(token.split(":", 2)[2]))
    raw[15] ^= 1
    forged = "sm4:test1:" + base64.b64encode(bytes(raw)).decode()
    with pytest.raises(DecryptError):
        decrypt_text(forged, context="c")


def test_a_clear_value_or_an_unknown_key_is_refused():
    with pytest.raises(DecryptError, match="不是加密值"):
        decrypt_text(NUMBER, context="c")
    with override_settings(DATA_KEY=OLD_KEY):
        token = encrypt_text(NUMBER, context="c")
    with pytest.raises(DecryptError, match="密钥 old 不在 DATA_KEY 中"):
        decrypt_text(token, context="c")


def test_the_first_key_encrypts_and_every_key_decrypts():
    with override_settings(DATA_KEY=OLD_KEY):
        old = encrypt_text(NUMBER, context="c")
    with override_settings(DATA_KEY=f"{NEW_KEY},{OLD_KEY}"):
        assert current_key_id() == "new_1"
        assert decrypt_text(old, context="c") == NUMBER
        assert token_key_id(encrypt_text(NUMBER, context="c")) == "new_1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "DATA_KEY 为空"),
        ("nokeyid", "<密钥编号>:<base64编码的16字节密钥>"),
        ("bad id:" + base64.b64encode(b"k" * 16).decode(), "<密钥编号>"),
        ("k1:not base64!", "不是有效的 base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "须为16字节"),
        (f"{OLD_KEY},{OLD_KEY}", "重复"),
    ],
)
def test_a_malformed_data_key_is_refused(value, message):
    with pytest.raises(DataKeyError, match=message):
        data_keys_parse(value)


def test_the_blind_index_key_is_long_enough_and_not_a_data_key():
    with pytest.raises(DataKeyError, match="至少须为16字节"):
        blind_index_key_parse(base64.b64encode(b"short").decode())
    with pytest.raises(DataKeyError, match="不能与 DATA_KEY 中的密钥相同"):
        keys_check(data_key=OLD_KEY, blind_index_key=base64.b64encode(b"o" * 16).decode())
    keys_check(data_key=data_key_new("k1"), blind_index_key=datacrypt.blind_index_key_new())


def test_settings_refuse_to_start_with_a_malformed_or_missing_key():
    def check(**keys: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "SECRET_KEY": "x",
            "VAR_DIR": os.environ["VAR_DIR"],
            "AUDIT_KEY": TEST_KEYS["AUDIT_KEY"],
            **keys,
        }
        return subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    malformed = check(DATA_KEY="k1:tooshort", BLIND_INDEX_KEY=TEST_KEYS["BLIND_INDEX_KEY"])
    assert malformed.returncode != 0
    assert "ImproperlyConfigured" in malformed.stderr and "DATA_KEY" in malformed.stderr
    missing = check(DATA_KEY=TEST_KEYS["DATA_KEY"])
    assert missing.returncode != 0
    assert "DATA_KEY and BLIND_INDEX_KEY must both be set" in missing.stderr


def test_an_id_number_index_is_of_the_normalised_number_and_its_type():
    index = identity_index(id_type="resident", id_number=NUMBER)
    assert len(index) == 64
    assert identity_index(id_type="resident", id_number=" " + NUMBER.lower() + "\t") == index
    # The type is part of the identity: the same digits under another kind of ID are another person.
    assert identity_index(id_type="passport", id_number=NUMBER) != index
    assert identity_index(id_type="resident", id_number="") == ""


def test_a_mobile_index_ignores_what_the_forms_ignore_and_differs_from_an_id_index():
    assert mobile_index("+86 138-0000-0001") == mobile_index("13800000001")
    assert mobile_index("13800000001") != identity_index(id_type="", id_number="13800000001")
    assert mobile_index("") == ""


def test_the_index_is_hmac_sm3_under_the_blind_index_key_only():
    key = base64.b64decode(settings.BLIND_INDEX_KEY)
    expected = hmac.new(key, b"mobile\x1f13800000001", "sm3").hexdigest()
    assert mobile_index("13800000001") == expected
    # The data keys play no part: rotating them leaves every index as it is.
    with override_settings(DATA_KEY=f"{NEW_KEY},{OLD_KEY}"):
        assert mobile_index("13800000001") == expected


def test_the_tongsuo_hmac_matches_hashlibs():
    for key in (b"k", b"k" * 64, b"k" * 100):
        assert hmac_sm3_tongsuo(key, b"message") == hmac.new(key, b"message", "sm3").digest()


def test_a_value_costs_tens_of_microseconds():
    # Measured, not a benchmark: encrypt + decrypt of an ID number stays far below a millisecond,
    # so a page that lists a hundred people spends no noticeable time on it.
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        decrypt_text(
            encrypt_text(NUMBER, context="accounts.User.id_number"), context="accounts.User.id_number"
        )
    per_value = (time.perf_counter() - start) / rounds
    assert per_value < 0.001, per_value
