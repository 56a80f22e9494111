"""zhili.excel.values: what offices type, parsed or refused with a Chinese sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from stdnum.cn import ric

from zhili.excel.values import (
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
    parse_county,
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


def make_id(area: str, born: str, seq: str = "123") -> str:
    """A synthetic identity number with a correct check character."""
    first17 = area + born + seq
    return first17 + ric.calc_check_digit(first17 + "0")


def problem(fn, *args, **kw) -> str:
    with pytest.raises(ValueProblem) as info:
        fn(*args, **kw)
    assert isinstance(info.value, ValueError)
    return str(info.value)


# ------------------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000\u3000", "\xa0"])
def test_text_empty(raw):
    assert parse_text(raw) == Parsed(None)


def test_text_strips_and_shows_numbers_as_typed():
    assert parse_text("\u3000张三 \n").value == "张三"
    assert parse_text(12).value == "12"
    assert parse_text(12.0).value == "12"
    assert parse_text(12.5).value == "12.5"
    assert parse_text(dt.date(2020, 5, 12)).value == "2020-05-12"
    assert "最多 2 个字" in problem(parse_text, "张三丰", max_length=2)


# ---------------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１２３", Decimal("123.00")),
        ("1,234.5", Decimal("1234.50")),
        ("1，234", Decimal("1234.00")),
        ("１，２３４．５", Decimal("1234.50")),
        ("12 ", Decimal("12.00")),
        (" 12\u3000", Decimal("12.00")),
        ("¥3,000", Decimal("3000.00")),
        ("3000元", Decimal("3000.00")),
        ("3万", Decimal("30000.00")),
        ("3万元", Decimal("30000.00")),
        ("-12.5", Decimal("-12.50")),
        (12.000000000001, Decimal("12.00")),
        (0.1 + 0.2, Decimal("0.30")),
        (3000, Decimal("3000.00")),
    ],
)
def test_decimal_as_offices_type_it(raw, expected):
    assert parse_decimal(raw, unit="元") == Parsed(expected)


@pytest.mark.parametrize("raw", [None, "", "-", "—", "/", " "])
def test_decimal_placeholders_are_empty(raw):
    assert parse_decimal(raw).value is None


def test_decimal_units():
    assert parse_decimal("3万元", unit="万元").value == Decimal("3.00")
    assert parse_decimal("3万", unit="万元").value == Decimal("3.00")
    assert parse_decimal("25000元", unit="万元").value == Decimal("2.50")
    assert parse_decimal("12.5亩", unit="亩").value == Decimal("12.50")
    assert parse_decimal("12.5", unit="亩").value == Decimal("12.50")
    assert parse_decimal("15亩", unit="公顷", decimals=4) == Parsed(Decimal("1.0000"))  # converted: no warning
    assert parse_decimal("12.5亩").value == Decimal("12.50")  # a field without unit takes the number
    assert "不一致" in problem(parse_decimal, "12.5亩", unit="元")
    assert "不是可识别的单位" in problem(parse_decimal, "12.5个半", unit="元")


def test_decimal_header_unit_converts_cells_without_one():
    assert parse_decimal(3, unit="元", column_unit="万元").value == Decimal("30000.00")
    assert parse_decimal("3", unit="元", column_unit="万元").value == Decimal("30000.00")
    assert parse_decimal("5000元", unit="元", column_unit="万元").value == Decimal("5000.00")  # the cell's unit wins
    assert parse_decimal(3, unit="元", column_unit="18位").value == Decimal("3.00")  # not a unit: ignored
    assert "不是同一种量" in problem(parse_decimal, 3, unit="元", column_unit="亩")
    assert unit_factor("万元", "元") == 10000
    assert unit_factor("亩", "公顷") == Decimal(1) / Decimal(15)
    assert "不能换算" in problem(unit_factor, "亩", "元")


def test_decimal_rounding_warns_only_when_digits_are_lost():
    assert parse_decimal("12.345") == Parsed(Decimal("12.35"), "「12.345」超过 2 位小数，已四舍五入为 12.35。")
    assert parse_decimal(12.3449999999999).warning is not None
    assert parse_decimal(1.005).value == Decimal("1.01")  # half up on what was typed, not on the binary float
    assert parse_decimal("12.345", decimals=None).value == Decimal("12.345")


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("约100", "不是一个确切的数"),
        ("100左右", "不是一个确切的数"),
        ("100多", "不是一个确切的数"),
        ("一百", "汉字数字"),
        ("壹佰", "汉字数字"),
        ("1,23", "逗号位置不对"),
        ("abc", "不是数字"),
        ("12%", "百分号"),
        (True, "不是数字"),
        (dt.date(2020, 5, 12), "被 Excel 当成了日期"),
    ],
)
def test_decimal_refusals(raw, says):
    assert says in problem(parse_decimal, raw)


def test_percent():
    assert parse_decimal("85.5%", percent=True).value == Decimal("85.50")
    assert parse_decimal("85.5", percent=True).value == Decimal("85.50")
    maybe_fraction = parse_decimal(0.855, percent=True, decimals=3)
    assert maybe_fraction.value == Decimal("0.855") and "百分比格式" in maybe_fraction.warning


def test_integer():
    assert parse_integer("１２").value == 12
    assert parse_integer(12.0).value == 12
    assert parse_integer("1,200户", unit="户").value == 1200
    assert parse_integer("3万", unit="人").value == 30000
    assert parse_integer(11.999999999999).value == 12
    assert "有小数" in problem(parse_integer, "12.5")
    assert "不一致" in problem(parse_integer, "12人", unit="户")


# ------------------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "raw",
    [
        "2020.5.12",
        "2020.05.12.",
        "2020年5月12日",
        "２０２０年５月１２日",
        "2020年5月12号",
        "2020/5/12",
        "2020-05-12",
        " 2020-05-12 ",
        "2020-05-12 00:00:00",
        "2020-05-12T08:30",
        "20200512",
        20200512,
        43963,
        43963.0,
        43963.75,
        "43963",
        dt.date(2020, 5, 12),
        dt.datetime(2020, 5, 12, 8, 30),
    ],
)
def test_dates(raw):
    assert parse_date(raw) == Parsed(dt.date(2020, 5, 12))


def test_excel_serials():
    assert excel_serial_to_date(1) == dt.date(1900, 1, 1)
    assert excel_serial_to_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_to_date(61) == dt.date(1900, 3, 1)
    assert excel_serial_to_date(43963) == dt.date(2020, 5, 12)
    assert "不存在" in problem(excel_serial_to_date, 60)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("2020-02-30", "2020年2月没有30日"),
        ("2021年2月29日", "2021年2月没有29日"),
        ("2020-13-01", "没有 13 月"),
        ("20.5.12", "四位年份"),
        ("5/12/2020", "月/日/年"),
        ("2020年5月", "缺少“日”"),
        ("下周一", "不是日期"),
        (5, "不是日期"),
        ("1850-01-01", "年份 1850 不合理"),
    ],
)
def test_date_refusals(raw, says):
    assert says in problem(parse_date, raw)


# ---------------------------------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize("raw", ["是", "有", "Y", "y", "yes", "√", "✔", "true", "TRUE", "1", 1, 1.0, True, " 是 "])
def test_yes(raw):
    assert parse_yes_no(raw).value is True


@pytest.mark.parametrize("raw", ["否", "无", "N", "no", "×", "false", "0", 0, False, "没有"])
def test_no(raw):
    assert parse_yes_no(raw).value is False


def test_yes_no_refusal():
    assert "请填写 是 或 否" in problem(parse_yes_no, "也许")
    assert "请填写 是 或 否" in problem(parse_yes_no, 2)
    assert parse_yes_no("").value is None


# ------------------------------------------------------------------------------------------------------ choice

WAYS = ["燃气壁挂炉", "燃气灶具", "空气源热泵", "电采暖"]


def test_choice_exact_and_normalised():
    assert parse_choice("燃气灶具", WAYS).value == "燃气灶具"
    assert parse_choice(" 空气源 热泵\u3000", WAYS).value == "空气源热泵"
    assert parse_choice("Ａ", ["A", "B"]).value == "A"  # full-width
    assert parse_choice("a", ["A", "B"]).value == "A"
    assert ChoiceMatcher(WAYS).match(None).value is None


def test_choice_refusal_lists_the_allowed_values():
    message = problem(parse_choice, "燃气灶", WAYS)
    assert "可选：燃气壁挂炉、燃气灶具、空气源热泵、电采暖" in message
    assert "是不是「燃气灶具」" in message


# ------------------------------------------------------------------------------------------------------ phones


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0531-88888888", "0531-88888888"),
        ("0531 8888 8888", "0531-88888888"),
        ("(0531)88888888", "0531-88888888"),
        ("010-12345678", "010-12345678"),
        ("02112345678", "021-12345678"),
        ("0531-88888888转123", "0531-88888888-123"),
        ("4001234567", "4001234567"),
        ("１３８００１３８０００", "13800138000"),
    ],
)
def test_phones(raw, expected):
    assert parse_phone(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("88888888", "缺少区号"),
        ("1380013800", "不是有效的电话号码"),
        ("12800138000", "不是有效的电话号码"),
        ("13800138000、13900139000", "不止一个号码"),
        ("张三", "只能有数字"),
        (53188888888, "丢了开头 0"),
    ],
)
def test_phone_refusals(raw, says):
    assert says in problem(parse_phone, raw)


# ------------------------------------------------------------------------------------------ identity numbers

VALID = make_id("110101", "19800101", "123")  # 东城区: a code that has never changed
RENAMED = make_id("370112", "19500505", "246")  # 历城区: 370112 only since 1987 (历城县 370121 before)
RETIRED = make_id("110103", "19500505", "246")  # 崇文区: code retired in 2010
UNKNOWN = make_id("379999", "19500505", "246")  # no such county


def test_identity_valid_and_normalised():
    assert ric.is_valid(VALID)
    assert parse_identity(VALID) == Parsed(VALID)
    assert parse_identity(f" {VALID[:6]} {VALID[6:14]} {VALID[14:]} ").value == VALID
    x = next(i for i in (make_id("110101", "19800101", f"{n:03d}") for n in range(1000)) if i.endswith("X"))
    assert parse_identity(x.lower()).value == x
    assert parse_identity("".join(chr(ord(c) + 0xFEE0) for c in VALID)).value == VALID  # full-width digits
    assert parse_identity("'" + VALID).value == VALID


def test_code_issued_after_the_birth_is_accepted_silently():
    """python-stdnum issue 442: its validate() refuses this real-looking number of a 历城 villager born in 1950
    (the card was issued after 1987, under the district's new code); it is simply valid."""
    assert not ric.is_valid(RENAMED)
    assert parse_identity(RENAMED) == Parsed(RENAMED)


def test_retired_or_unknown_area_code_is_accepted_with_a_warning():
    assert parse_identity(RETIRED) == Parsed(RETIRED, "地区码 110103 已不在现行区划代码中（老身份证常见），已接受。")
    # (python-stdnum 2.2's own validate() even fails with KeyError on this one: the province exists, the county not)
    parsed = parse_identity(UNKNOWN)
    assert parsed.value == UNKNOWN and "地区码 379999 不在区划代码表中" in parsed.warning


def test_identity_stored_as_a_number_is_refused():
    for raw in (3.70125198001011e17, 370125198001011000, "3.70125198001011E+17", "3.70125E+17", "370125198001011000"):
        message = problem(parse_identity, raw)
        assert "Excel 存成了数字" in message and "最后几位已经丢失" in message and "“文本”格式" in message


def test_identity_ending_000_that_is_valid_gets_a_warning():
    for seq in range(100, 1000, 10):
        candidate = make_id("110101", "19800101", f"{seq:03d}")
        if candidate.endswith("000"):
            parsed = parse_identity(candidate)
            assert parsed.value == candidate and "000" in parsed.warning
            break
    else:
        pytest.skip("no sequence number gives a check character of 0 here")


def test_fifteen_digit_numbers_are_converted():
    old = VALID[:6] + VALID[8:17]  # the same person's 15-digit number: no century, no check character
    for raw in (old, int(old)):
        parsed = parse_identity(raw)
        assert parsed.value == VALID
        assert parsed.warning.startswith("15 位旧身份证号已按国家标准升级为 18 位")


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (VALID[:-1] + ("1" if VALID[-1] != "1" else "2"), "校验不通过"),
        (VALID[:17], "应为 18 位，现在是 17 位"),
        (make_id("110101", "19800230"), "出生日期 19800230 不存在"),
        (make_id("110101", "20990101"), "不合理"),
        ("11010119800101123A", "最后一位是数字或 X"),
        (True, "不是身份证号"),
    ],
)
def test_identity_refusals(raw, says):
    assert says in problem(parse_identity, raw)


# ------------------------------------------------------------------------------------------------------ USCC


@pytest.mark.parametrize(
    "raw", ["370102", 370102, 370102.0, "历下区", "济南市历下区", "山东省济南市历下区", "济南历下区", " 济南市 历下区 "]
)
def test_a_county_by_its_code_or_as_people_write_its_name(raw):
    assert parse_county(raw) == Parsed(parse_county("370102").value)
    assert parse_county(raw).value == ("370102", "山东省济南市历下区")


def test_a_county_that_cannot_be_known_is_a_sentence():
    assert "4 处同名" in problem(parse_county, "市中区") and "济南市市中区" in problem(parse_county, "市中区")
    assert parse_county("济南市市中区").value.code == "370103"
    assert parse_county("北京市朝阳区").value.code == "110105"
    assert "省或市的代码" in problem(parse_county, "370100")
    assert "不在行政区划代码表中" in problem(parse_county, "379999")
    assert "应为 6 位数字" in problem(parse_county, "37010")
    assert "无法识别注册地" in problem(parse_county, "火星")
    retired = parse_county("370125")  # 济阳县, a district (370115) since 2018
    assert retired.value.code == "370125" and "已停用" in retired.warning
    assert parse_county(None) == parse_county("—") == Parsed(None)


def test_uscc():
    assert parse_uscc(" 91350100m000100y43 ").value == "91350100M000100Y43"
    assert "校验位不对" in problem(parse_uscc, "91350100M000100Y44")
    assert "应为 18 位" in problem(parse_uscc, "91350100M000100Y4")
    assert "不含 I、O、Z、S、V" in problem(parse_uscc, "91350100M000100YO3")
    assert "Excel 存成了数字" in problem(parse_uscc, 9.13501e17)


# ---------------------------------------------------------------------------------------------------- regions

VILLAGES = {"孔家坊村": "kong", "阎桥村": "yan", "郎家社区": "lang", "小王村": "xiaowang"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("孔家坊村", "kong"),
        ("孔家坊", "kong"),
        (" 孔家坊 村 ", "kong"),
        ("孔家坊\u3000", "kong"),
        ("孔家坊村委会", "kong"),
        ("孔家坊村民委员会", "kong"),
        ("郎家", "lang"),
        ("郎家社区居委会", "lang"),
        ("郎家居委会", "lang"),
        ("太平街道阎桥村", "yan"),
        ("小王", "xiaowang"),
    ],
)
def test_region_names(raw, expected):
    assert match_region(raw, VILLAGES).value == expected


def test_region_refusals():
    message = problem(match_region, "孔家房村", VILLAGES)
    assert "不在本台账可填的村（社区）中" in message and "是不是「孔家坊村」" in message
    both = {"孔家坊村": 1, "孔家坊社区": 2}
    assert "可能是 孔家坊村、孔家坊社区，请写全称" in problem(match_region, "孔家坊", both)
    assert RegionMatcher(both).match("孔家坊社区").value == 2


def test_short_village_name_keeps_its_suffix():
    """新村 is a name, not 新 + 村."""
    assert match_region("新村", {"新村": 1, "新庄村": 2}).value == 1


# ------------------------------------------------------------------------------------------------ whole rows


def test_blank_rows():
    assert is_blank([None, " ", "\u3000", ""])
    assert not is_blank([None, 0])
    assert is_blank([17, None, None], ignore_columns=[0])  # a pre-filled 序号 only


@pytest.mark.parametrize(
    "row",
    [
        ["合计", None, 12],
        ["合  计", None, 12],
        [None, "总计：", 3],
        ["全村合计", 5],
        ["小计（户）", 3],
        [None, 5, "合计", 3],
    ],
)
def test_total_rows(row):
    assert is_total_row(row)


@pytest.mark.parametrize(
    "row", [[1, "孔家坊村", "张三", "合计收入"], ["合计算", 1], [None, None], [1, 2, 3, 4, "合计"]]
)
def test_not_total_rows(row):
    assert not is_total_row(row)


@pytest.mark.parametrize(
    "row",
    [
        ["填表人：张三", None, "审核人：李四", None, "日期：2020年5月12日"],
        ["填表人：", "张三", "审核人：", "李四"],
        ["填表人：张三　　审核人：李四　　联系电话：13800138000"],
        [None, "单位负责人（签字）：", None, None, "（盖章）"],
        ["制表人", "王五"],
    ],
)
def test_signature_rows(row):
    assert is_signature_row(row)


@pytest.mark.parametrize(
    "row",
    [
        [1, "孔家坊村", "张三", "370112198001011234", "13800138000", "燃气壁挂炉", "已签字"],
        [1, "孔家坊村", "张三", "联系人：王五", "13800138000", "燃气壁挂炉", 3000],
        [None, None],
    ],
)
def test_not_signature_rows(row):
    assert not is_signature_row(row)
