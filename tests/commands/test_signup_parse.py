"""/signup argument parsing: names, options in English and Chinese, and bad input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from commands.signup import BadField, SignupArgs, UnknownOption, parse_signup
from storage.cleaning import TextProblem
from storage.members import MAX_NAME


def test_no_arguments_means_the_telegram_name() -> None:
    assert parse_signup("") == SignupArgs()
    assert parse_signup("   ") == SignupArgs()


def test_name_with_spaces_and_options() -> None:
    assert parse_signup("Auntie Wang building=Block 3 skills=first aid") == SignupArgs(
        "Auntie Wang", "Block 3", "first aid"
    )


def test_chinese_keys_and_full_width_equals() -> None:
    assert parse_signup("王阿姨 楼栋＝3号楼 技能=急救") == SignupArgs("王阿姨", "3号楼", "急救")


def test_options_alone_keep_the_name_unset() -> None:
    assert parse_signup("building=5") == SignupArgs(None, "5", None)


def test_quoted_name() -> None:
    assert parse_signup('"Tom Lee"') == SignupArgs("Tom Lee")
    assert parse_signup("“陈 老师”") == SignupArgs("陈 老师")


def test_markup_characters_are_just_text() -> None:
    assert parse_signup("<b>Tom_*[") == SignupArgs("<b>Tom_*[")


def test_bad_inputs() -> None:
    assert parse_signup('""') == BadField("name", TextProblem.EMPTY)
    assert parse_signup("\u200b\u200b") == BadField("name", TextProblem.EMPTY)
    assert parse_signup("x" * 300) == BadField("name", TextProblem.TOO_LONG)
    assert parse_signup("Al\x00ice") == SignupArgs("Alice")  # controls are removed
    assert parse_signup("Alice\u200e") == SignupArgs("Alice")  # so are direction marks
    assert parse_signup("\u3164") == BadField("name", TextProblem.UNSHOWABLE)
    assert parse_signup("A\u2028B") == BadField("name", TextProblem.UNSHOWABLE)
    assert parse_signup("\U000e0001x") == SignupArgs("x")  # a tag character is Cf
    assert parse_signup("\U0010fffd") == BadField("name", TextProblem.UNSHOWABLE)
    assert parse_signup("...") == BadField("name", TextProblem.NO_LETTER)
    assert parse_signup("Alice building=3\x00号楼") == SignupArgs("Alice", "3号楼")
    assert parse_signup("Alice building=") == BadField("building", TextProblem.EMPTY)
    assert parse_signup("Alice floor=3") == UnknownOption("floor")


@given(st.text(max_size=80))
def test_any_text_parses_or_is_refused_with_a_reason(raw: str) -> None:
    result = parse_signup(raw)
    assert isinstance(result, SignupArgs | BadField | UnknownOption)
    if isinstance(result, SignupArgs) and result.name is not None:
        assert 0 < len(result.name) <= MAX_NAME
        assert result.name == result.name.strip()
