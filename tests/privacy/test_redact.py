"""The redactor: which identifiers it hides in Chinese text, which look-alikes it keeps."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from diaryflow.privacy.redact import CUSTOM_PLACEHOLDER, KINDS, PLACEHOLDERS, Redactor
from tests.privacy.helpers import bad_id_number, card_number, id_number, luhn_sum

ID_X = id_number("11010519491231002")
ID_DIGIT = id_number("44030619900307123")


def redact(text: str, *kinds: str) -> tuple[str, Counter[str]]:
    return Redactor(kinds=kinds or KINDS).redact(text)


def test_the_check_helpers_agree_with_published_examples() -> None:
    assert ID_X == "11010519491231002X"
    assert card_number("411111111111111") == "4111111111111111"
    assert luhn_sum("79927398713") == 0


# --- ID card numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("number", [ID_X, ID_X.lower(), ID_DIGIT, id_number("51010820000229001")])
def test_a_valid_id_number_is_hidden(number: str) -> None:
    assert redact(f"身份证号{number}请保密") == ("身份证号[身份证号]请保密", Counter(id_card=1))


def test_an_id_number_with_a_wrong_check_character_is_kept() -> None:
    body = ID_DIGIT[:17]
    for wrong in (c for c in "0123456789Xx" if body + c.upper() != ID_DIGIT):
        assert redact(f"号码{body}{wrong}", "id_card") == (f"号码{body}{wrong}", Counter())
    text = f"编号{bad_id_number(body)}结束"
    assert redact(text) == (text, Counter())


@pytest.mark.parametrize("birth", ["19491331", "19490230", "19490001", "20010229", "00000101"])
def test_an_id_number_with_an_impossible_birth_date_is_kept(birth: str) -> None:
    number = id_number(f"110105{birth}002")
    assert redact(f"证件{number}无效", "id_card") == (f"证件{number}无效", Counter())


def test_an_id_number_inside_a_longer_digit_run_is_kept() -> None:
    for text in (f"1{ID_DIGIT}", f"{ID_DIGIT}0", f"{ID_X}9"):
        assert redact(text, "id_card") == (text, Counter())


def test_an_id_number_that_passes_luhn_is_still_an_id_number() -> None:
    number = next(n for n in (id_number(f"44030619900307{s:03d}") for s in range(1000))
                  if n[-1].isdigit() and luhn_sum(n) == 0)
    assert redact(f"证{number}号") == ("证[身份证号]号", Counter(id_card=1))


# --- mobile phone numbers ----------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "13800138000", "19912345678", "138 0013 8000", "138-0013-8000", "+86 13800138000",
    "+8613800138000", "+86-138-0013-8000", "8613800138000", "0086 13800138000",
])
def test_a_mobile_number_is_hidden(phone: str) -> None:
    assert redact(f"请打电话{phone}谢谢") == ("请打电话[手机号]谢谢", Counter(phone=1))


@pytest.mark.parametrize("text", [
    "座机010-62345678", "号码12800138000", "号码1380013800", "订单138001380001",
    "编号213800138000", "138 0013-8000", "1380 013 8000", "共10000000000元",
])
def test_what_is_not_a_mobile_number_is_kept(text: str) -> None:
    assert redact(text) == (text, Counter())


# --- e-mail addresses --------------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "zhang.san@example.com", "a_b+tag@mail.example.com.cn", "13800138000@163.com",
    "123456789@qq.com", "Li-Si@Sub-Domain.Example.ORG",
])
def test_an_email_address_is_hidden_whole(address: str) -> None:
    assert redact(f"邮箱是{address}欢迎来信") == ("邮箱是[邮箱]欢迎来信", Counter(email=1))


def test_an_email_address_at_the_end_of_a_sentence_keeps_the_full_stop() -> None:
    assert redact("写信到li@example.cn.") == ("写信到[邮箱].", Counter(email=1))


@pytest.mark.parametrize(
    "text", ["我@你一下", "foo@bar", "@example.com", "用户@例子.中国", "a@b.c"])
def test_what_is_not_an_email_address_is_kept(text: str) -> None:
    assert redact(text) == (text, Counter())


# --- bank card numbers -------------------------------------------------------------------

CARD_16 = card_number("622202123456789")
CARD_19 = card_number("621700001001234567")


def grouped(number: str, sep: str) -> str:
    return sep.join(number[i:i + 4] for i in range(0, len(number), 4))


@pytest.mark.parametrize("card", [
    CARD_16, CARD_19, card_number("6" * 16), "4111111111111111", grouped(CARD_16, " "),
    grouped(CARD_16, "-"), grouped(CARD_19, " "), grouped(card_number("62" * 8 + "1"), "-"),
])
def test_a_luhn_valid_card_number_is_hidden(card: str) -> None:
    assert luhn_sum(card.replace(" ", "").replace("-", "")) == 0
    assert redact(f"卡号{card}已还款") == ("卡号[银行卡号]已还款", Counter(bank_card=1))


def test_an_order_number_that_fails_luhn_is_kept() -> None:
    order = CARD_16[:-1] + str((int(CARD_16[-1]) + 1) % 10)
    assert luhn_sum(order) != 0
    for text in (f"订单号{order}已发货", f"订单号{grouped(order, ' ')}已发货"):
        assert redact(text) == (text, Counter())


@pytest.mark.parametrize("number", [
    card_number("62220212345678"), card_number("6222021234567890123"), f"9{CARD_16}",
    f"{CARD_19}0",
])
def test_a_number_too_short_or_in_a_longer_digit_run_is_kept(number: str) -> None:
    assert len(number) not in range(16, 20) or luhn_sum(number) != 0
    text = f"编号{number}完"
    assert redact(text) == (text, Counter())


def test_a_card_number_with_mixed_separators_is_kept() -> None:
    text = f"卡{CARD_16[:4]} {CARD_16[4:8]}-{CARD_16[8:12]} {CARD_16[12:]}"
    assert redact(text) == (text, Counter())


# --- everything together -----------------------------------------------------------------

def test_every_kind_is_counted_and_no_value_leaks() -> None:
    text = (f"我叫张三，身份证{ID_X}，手机13800138000，备用+86 139-1234-5678，"
            f"邮箱zs@example.com，工资卡{grouped(CARD_19, ' ')}，另一张卡{CARD_16}。")
    redacted, counts = redact(text)
    assert redacted == ("我叫张三，身份证[身份证号]，手机[手机号]，备用[手机号]，"
                        "邮箱[邮箱]，工资卡[银行卡号]，另一张卡[银行卡号]。")
    assert counts == Counter(phone=2, id_card=1, email=1, bank_card=2)


def test_only_the_chosen_kinds_are_hidden() -> None:
    text = f"电话13800138000，邮箱a@b.cn，证件{ID_X}，卡{CARD_16}"
    assert redact(text, "email") == (
        f"电话13800138000，邮箱[邮箱]，证件{ID_X}，卡{CARD_16}", Counter(email=1))
    assert redact(text, "phone", "bank_card") == (
        f"电话[手机号]，邮箱a@b.cn，证件{ID_X}，卡[银行卡号]", Counter(phone=1, bank_card=1))
    assert Redactor(kinds=()).redact(text) == (text, Counter())


def test_the_placeholders_are_the_documented_ones() -> None:
    assert set(PLACEHOLDERS) == set(KINDS)
    assert PLACEHOLDERS["id_card"] == "[身份证号]" and CUSTOM_PLACEHOLDER == "[已隐藏]"


# --- custom patterns and settings --------------------------------------------------------

def test_a_custom_pattern_is_hidden_and_counted_as_pattern() -> None:
    redactor = Redactor.from_settings(KINDS, [r"\bP\d{6}\b"])
    text = "护照号：P123456，另一本 P654321。编号XP1234567不算，电话13800138000"
    assert redactor.redact(text) == (
        "护照号：[已隐藏]，另一本 [已隐藏]。编号XP1234567不算，电话[手机号]",
        Counter(pattern=2, phone=1))


def test_a_placeholder_is_never_matched_again() -> None:
    redactor = Redactor.from_settings(KINDS, ["手机号", r"\[.*?\]", "0013"])
    assert redactor.redact("手机号13800138000") == ("[已隐藏][手机号]", Counter(pattern=1, phone=1))


def test_a_pattern_that_matches_empty_text_only_hides_what_it_matches() -> None:
    redactor = Redactor.from_settings([], ["x*"])
    assert redactor.redact("axxb") == ("a[已隐藏]b", Counter(pattern=1))


def test_settings_build_the_same_redactor() -> None:
    redactor = Redactor.from_settings(["phone", "email"], ["P[0-9]{6}"])
    assert redactor.kinds == ("phone", "email")
    assert [p.pattern for p in redactor.patterns] == ["P[0-9]{6}"]


def test_an_unknown_kind_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="'passport'"):
        Redactor.from_settings(["phone", "passport"], [])
    with pytest.raises(ValueError, match="'qq'"):
        Redactor(kinds=("qq",))


def test_a_bad_pattern_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=re.escape("'P(\\\\d{6}'")):
        Redactor.from_settings(KINDS, ["ok", r"P(\d{6}"])


def test_hide_tells_what_it_replaced_in_text_order() -> None:
    text = f"卡{CARD_16}，电话13800138000，邮箱a@b.cn"
    assert Redactor().hide(text) == ("卡[银行卡号]，电话[手机号]，邮箱[邮箱]", [
        ("bank_card", CARD_16), ("phone", "13800138000"), ("email", "a@b.cn")])
