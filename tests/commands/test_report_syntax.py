"""Report arguments and the hour rules: pure functions, examples and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from commands.hours_syntax import parse_amount, parse_day
from commands.report_syntax import (
    ReportProblem,
    ReportSyntaxError,
    numbers_not_understood,
    parse_report,
)
from storage.hours import round_quarter, served_minutes
from storage.recurrence import Window
from storage.reports import Numbers

START = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
LATE = timedelta(minutes=60)


def test_english_and_chinese_keys_and_jin() -> None:
    assert parse_report("problems=2 dissuaded=5 kg=3.5 served=10 楼下很干净") == Numbers(
        2, 5, 3500, 10, "楼下很干净"
    )
    assert parse_report("问题=1 劝导＝３ 3斤 大家辛苦了") == Numbers(1, 3, 1500, 0, "大家辛苦了")
    assert parse_report("公斤=3斤") == Numbers(grams=1500)
    assert parse_report("情况：很好 5G信号差") == Numbers(text="情况：很好 5G信号差")


def test_the_issue_s_everyday_chinese() -> None:
    assert parse_report("劝导3次 问题2个 捡了3斤") == Numbers(2, 3, 1500, 0)
    assert parse_report("问题=2 劝导=3 2斤半") == Numbers(2, 3, 1250, 0)
    assert parse_report("kg = 3") == Numbers(grams=3000)
    assert parse_report("信号 5G 不好") == Numbers(text="信号 5G 不好")
    assert numbers_not_understood("信号 5G 不好")
    assert not numbers_not_understood("劝导3次 问题2个 捡了3斤")


def test_every_natural_form() -> None:
    examples = {
        "问题 = 2": Numbers(problems=2), "问题 ＝ 2": Numbers(problems=2),
        "劝导：3": Numbers(dissuaded=3), "served: 4": Numbers(served=4),
        "服务10人": Numbers(served=10), "服务居民12人次": Numbers(served=12),
        "服务了10位居民": Numbers(served=10), "拾捡垃圾2公斤": Numbers(grams=2000),
        "3次劝导": Numbers(dissuaded=3), "2个问题": Numbers(problems=2),
        "发现了2处问题": Numbers(problems=2), "劝阻3人": Numbers(dissuaded=3),
        "劝说 3 次": Numbers(dissuaded=3), "问题2劝导3": Numbers(2, 3),
        "半斤": Numbers(grams=250), "1公斤半": Numbers(grams=1500),
        "两斤": Numbers(grams=1000), "两斤半": Numbers(grams=1250),
        "3斤垃圾": Numbers(grams=1500), "捡了3斤垃圾": Numbers(grams=1500),
        "分拣1.5千克": Numbers(grams=1500), "捡了500g": Numbers(grams=500),
        "捡了300克": Numbers(grams=300), "1.5kg": Numbers(grams=1500),
        "十二次劝导": Numbers(dissuaded=12), "劝导三次": Numbers(dissuaded=3),
        "两个问题": Numbers(problems=2), "服务九十九人": Numbers(served=99),
        "劝导３次": Numbers(dissuaded=3), "劝导：三次": Numbers(dissuaded=3),
    }
    for text, numbers in examples.items():
        assert parse_report(text) == numbers, text
        assert not numbers_not_understood(text), text


def test_a_number_inside_a_word_is_text() -> None:
    for text in ("3号楼门口很脏", "iPhone15 很好", "2号投放点满了", "19:00到岗", "11月3日晴",
                 "第一次劝导", "问题：3号楼漏水", "问题1：楼道堆物", "捡了5G", "1-3斤",
                 "５G信号差", "问题：1、楼道堆物；2、路灯坏"):
        assert parse_report(text) == Numbers(text=text), text
        assert numbers_not_understood(text), text
    assert parse_report("劝导3次 3号楼门口很脏") == Numbers(dissuaded=3, text="3号楼门口很脏")


def test_the_free_text_is_as_typed_without_the_numbers() -> None:
    assert parse_report("今天劝导3次，问题2个，楼下很干净") == Numbers(
        2, 3, text="今天，楼下很干净"
    )
    assert parse_report("楼下很干净。问题２个") == Numbers(problems=2, text="楼下很干净")
    assert parse_report("ＡＢＣ小区 劝导3次") == Numbers(dissuaded=3, text="ＡＢＣ小区")
    assert parse_report("劝导3次\n楼下很干净") == Numbers(dissuaded=3, text="楼下很干净")


def test_plain_text_and_understood_zeros_are_a_report() -> None:
    assert parse_report("楼下很干净") == Numbers(text="楼下很干净")
    assert not numbers_not_understood("楼下很干净")
    assert not numbers_not_understood("问题=0 3号楼")  # the zero was understood
    assert numbers_not_understood("劝导三")  # a numeral by a report word, without a unit
    assert not numbers_not_understood("kg=-1")  # refused, not asked about


def test_refusals_name_the_key() -> None:
    cases = {
        "kg=-1": ReportProblem.NEGATIVE, "problems=abc": ReportProblem.NOT_A_NUMBER,
        "served=1.5": ReportProblem.NOT_A_NUMBER, "colour=3": ReportProblem.UNKNOWN_KEY,
        "kg=1 3斤": ReportProblem.REPEATED, "劝导3次 劝导=2": ReportProblem.REPEATED,
        "问题 = abc": ReportProblem.NOT_A_NUMBER, "kg=5G": ReportProblem.NOT_A_NUMBER,
        "kg=0.0004": ReportProblem.NOT_A_NUMBER, "kg=500.0005": ReportProblem.NOT_A_NUMBER,
        "劝导=-3": ReportProblem.NEGATIVE,
    }
    for text, problem in cases.items():
        result = parse_report(text)
        assert isinstance(result, ReportSyntaxError) and result.problem is problem, text
    assert parse_report("问题=1、劝导=2") == Numbers(1, 2)  # a list of keyed values
    assert parse_report("http://example.org/?a=b 情况 = 良好") == Numbers(
        text="http://example.org/?a=b 情况 = 良好"
    )


@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_without_crashing(text: str) -> None:
    result = parse_report(text)
    assert isinstance(result, Numbers | ReportSyntaxError)
    numbers_not_understood(text)
    if isinstance(result, Numbers):
        assert min(result.problems, result.dissuaded, result.grams, result.served) >= 0
        # The free text is what was typed (never NFKC'd): its characters come from the text.
        assert {ch for ch in result.text if not ch.isspace()} <= set(text)


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 500))
def test_numbers_written_out_come_back(problems: int, served: int, kg: int) -> None:
    assert parse_report(f"problems={problems} served={served} kg={kg}") == Numbers(
        problems=problems, served=served, grams=kg * 1000
    )


DIGITS = "零一二三四五六七八九"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def chinese(n: int) -> str:
    """0..99 in Chinese numerals: 十二, 二十, 九十九."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


@st.composite
def written(draw: st.DrawFn, n: int) -> str:
    """`n` as a volunteer might type it."""
    styles = ["ascii", "full"] + (["chinese"] if n < 100 else []) + (["两"] if n == 2 else [])
    style = draw(st.sampled_from(styles))
    if style == "chinese":
        return chinese(n)
    return {"ascii": str(n), "full": str(n).translate(FULL_WIDTH), "两": "两"}[style]


COUNT_FORMS = {
    "problems": ["问题{n}个", "问题 {n} 处", "发现问题{n}个", "{n}个问题", "发现了{n}处问题",
                 "问题={n}", "问题 ＝ {n}", "问题：{n}个"],
    "dissuaded": ["劝导{n}次", "劝阻了{n}人", "劝说{n}次", "{n}次劝导", "{n}人次劝阻",
                  "劝导={n}", "劝导 : {n}次"],
    "served": ["服务{n}人", "服务居民{n}人次", "服务了{n}位居民", "居民{n}名", "{n}人次服务居民",
               "服务 = {n}"],
}
FILLERS = ["楼下很干净", "大家辛苦了", "3号楼门口很脏", "信号 5G 不好", "19:00到岗",
           "2号投放点满了", "iPhone15 没电了", "11月3日"]


@st.composite
def weight(draw: st.DrawFn) -> tuple[str, int]:
    """Litter as typed, and its grams."""
    n = draw(st.integers(1, 99))
    half = draw(st.booleans())
    unit, per = draw(st.sampled_from([("斤", 500), ("公斤", 1000), ("千克", 1000), ("kg", 1000)]))
    lead = draw(st.sampled_from(["", "捡了", "拾捡垃圾", "分拣", "垃圾 ", "捡"]))
    tail = draw(st.sampled_from(["", "垃圾"])) if not half else ""
    amount = draw(written(n))
    if half and unit == "kg":
        unit, per = "公斤", 1000
    return f"{lead}{amount}{unit}{'半' if half else ''}{tail}", n * per + (per // 2 if half else 0)


@given(
    st.fixed_dictionaries({f: st.integers(1, 200) for f in COUNT_FORMS}),
    st.data(), st.lists(st.sampled_from(FILLERS), max_size=3),
    st.sampled_from([" ", "，", "；", "\n", "、 "]),
)
def test_numbers_in_any_natural_form_come_back(
    counts: dict[str, int], data: st.DataObject, fillers: list[str], separator: str
) -> None:
    parts = [
        data.draw(st.sampled_from(COUNT_FORMS[field])).format(n=data.draw(written(n)))
        for field, n in counts.items()
    ]
    litter, grams = data.draw(weight())
    parts = data.draw(st.permutations([*parts, litter, *fillers]))
    result = parse_report(separator.join(parts))
    assert isinstance(result, Numbers)
    assert (result.problems, result.dissuaded, result.served, result.grams) == (
        counts["problems"], counts["dissuaded"], counts["served"], grams
    )
    assert all(filler in result.text for filler in fillers)


@given(
    st.integers(0, 10**6), st.sampled_from(["{n}G", "{n}号楼", "iPhone{n}", "{n}号投放点",
                                            "{n}:30", "11月{n}日", "第{n}次", "{n}楼"]),
    st.text(alphabet="楼下很干净路灯坏了门口信号不好abcxyz ，。", max_size=20),
)
def test_a_number_in_a_word_is_never_read(n: int, form: str, around: str) -> None:
    word = form.format(n=n)
    text = f"{around} {word} {around}"
    assert parse_report(text) == Numbers(text=" ".join(text.split()))
    assert numbers_not_understood(text)


def test_rounding_is_to_the_quarter_hour_half_up() -> None:
    assert [round_quarter(m * 60) for m in (0, 7, 8, 22, 23, 110, 155)] == [
        0, 0, 15, 15, 30, 105, 150
    ]
    assert round_quarter(7 * 60 + 30) == 15 and round_quarter(7 * 60 + 29) == 0


@given(st.integers(-180, 300), st.integers(-60, 400))
def test_actual_hours_are_clipped_and_never_exceed_the_window(early: int, stay: int) -> None:
    checkin = START + timedelta(minutes=early)
    checkout = checkin + timedelta(minutes=max(stay, 0))
    minutes = served_minutes("actual", checkin=checkin, checkout=checkout, start=START,
                             end=END, late=LATE)
    assert 0 <= minutes <= 180 and minutes % 15 == 0
    assert served_minutes("scheduled", checkin=checkin, checkout=checkout, start=START,
                          end=END, late=LATE) == 120


def test_hours_arguments() -> None:
    today = date(2026, 11, 24)
    assert parse_day("today", today) == today and parse_day("昨天", today) == date(2026, 11, 23)
    assert parse_day("11-20", today) == date(2026, 11, 20)
    assert parse_day("12-31", today) == date(2025, 12, 31)  # last year's, not next month's
    assert parse_day("2026-02-30", today) is None and parse_day("someday", today) is None
    assert parse_amount("2") == 120 and parse_amount("1.5h") == 90
    assert parse_amount("2小时") == 120 and parse_amount("25") is None
    assert parse_amount("19:00-21:00") == Window(time(19), time(21))
    assert parse_amount("abc") is None
