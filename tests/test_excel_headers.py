"""zhili.excel.headers: finding the header under title rows, two-row headers, mapping columns to fields."""

from __future__ import annotations

import pytest

from zhili.excel import SpreadsheetError, find_header, map_columns, normalise_header, split_header

FIELDS = [
    ("village", ["村", "村名", "所在村"]),
    ("name", ["户主姓名", "姓名", "户主"]),
    ("identity", ["身份证号", "身份证号码", "公民身份号码"]),
    ("phone", ["联系电话", "电话", "手机号"]),
    ("subsidy", ["补贴金额", "补贴"]),
]
EXPECTED = [label for _key, labels in FIELDS for label in labels]


@pytest.mark.parametrize(
    "text",
    [
        "补贴金额（元）",
        "补贴金额(元)",
        " 补贴金额 ",
        "补贴金额：",
        "*补贴金额",
        "补 贴 金 额\n（元）",
        "补贴金额【元】",
    ],
)
def test_normalise_header(text):
    assert normalise_header(text) == "补贴金额"


def test_split_header_keeps_the_unit():
    assert split_header("补贴金额（万元）") == ("补贴金额", "万元")
    assert split_header("面积(亩)") == ("面积", "亩")
    assert split_header("姓名（必填）") == ("姓名", None)
    assert split_header("ＡＢＣ") == ("abc", None)
    assert normalise_header("户主信息/姓名") == "户主信息/姓名"
    assert normalise_header(None) == ""


def test_header_under_title_rows():
    rows = [
        (1, ["孔家坊村气代煤改造台账", None, None, None]),
        (2, ["填报单位：太平街道孔家坊村", None, None, "填报日期：2020年6月1日"]),
        (4, ["序号", "村", "户主姓名", "身份证号"]),
        (5, [1, "孔家坊村", "张三", "110101198001011234"]),
    ]
    match = find_header(rows, EXPECTED)
    assert match.header_row == 4 and match.first_data_row == 5 and match.header_rows == (4,)
    assert match.columns == ["序号", "村", "户主姓名", "身份证号"]
    assert match.matched == 3


def test_two_row_header_under_a_merged_parent():
    rows = [
        (1, ["孔家坊村气代煤改造台账", None, None, None, None, None]),
        (3, ["序号", "村", "户主信息", None, "联系电话", "补贴金额（元）"]),
        (4, [None, None, "姓名", "身份证号", None, None]),
        (5, [1, "孔家坊村", "张三", "110101198001011234", "13800138000", 3000]),
    ]
    match = find_header(rows, EXPECTED)
    assert match.header_rows == (3, 4) and match.header_row == 4 and match.first_data_row == 5
    assert match.columns == ["序号", "村", "户主信息/姓名", "户主信息/身份证号", "联系电话", "补贴金额（元）"]
    assert match.units == [None, None, None, None, None, "元"]
    mapping, missing = map_columns(match.columns, FIELDS)
    assert mapping == {1: "village", 2: "name", 3: "identity", 4: "phone", 5: "subsidy"}
    assert missing == []


def test_parent_is_not_carried_over_a_column_without_header():
    rows = [(1, ["户主信息", None, None, "备注"]), (2, ["姓名", "身份证号", None, None])]
    match = find_header(rows, ["姓名", "身份证号", "备注"])
    assert match.columns == ["户主信息/姓名", "户主信息/身份证号", "", "备注"]


def test_single_row_header_is_not_glued_to_its_first_data_row():
    rows = [(1, ["村", "户主姓名", "改造方式"]), (2, ["孔家坊村", "张三", "燃气壁挂炉"])]
    match = find_header(rows, EXPECTED)
    assert match.header_rows == (1,) and match.columns == ["村", "户主姓名", "改造方式"]


def test_no_header_found():
    rows = [(1, ["一些", "无关", "内容"]), (2, [1, 2, 3])]
    with pytest.raises(SpreadsheetError) as info:
        find_header(rows, EXPECTED)
    assert info.value.code == "no_header"
    assert "前 15 行中没有找到表头" in str(info.value) and "「村」" in str(info.value)


def test_without_expected_labels_the_first_text_row_is_the_header():
    rows = [(1, ["标题", None, None]), (2, ["甲", "乙", "丙"]), (3, [1, 2, 3])]
    assert find_header(rows, []).header_row == 2


def test_map_columns_by_alias_and_missing_labels():
    columns = ["序号", "所在村", "姓名", "手机号", "备注"]
    mapping, missing = map_columns(columns, FIELDS)
    assert mapping == {1: "village", 2: "name", 3: "phone"}
    assert missing == ["身份证号", "补贴金额"]


def test_exact_header_beats_an_alias_elsewhere():
    """户主姓名 is the name column even though 姓名 (an alias) appears further left."""
    columns = ["姓名", "户主姓名"]
    mapping, _ = map_columns(columns, [("name", ["户主姓名", "姓名"]), ("helper", ["姓名"])])
    assert mapping == {0: "helper", 1: "name"}


def test_remembered_mapping_wins_and_can_ignore_a_column():
    """Last time the person said 联系方式 is the phone and 电话 (the village office's) is not to be imported."""
    columns = ["村", "户主", "联系方式", "电话"]
    remembered = {normalise_header("联系方式"): "phone", normalise_header("电话"): None}
    assert map_columns(columns, FIELDS)[0][3] == "phone"  # what guessing alone would do
    mapping, missing = map_columns(columns, FIELDS, remembered)
    assert mapping == {0: "village", 1: "name", 2: "phone"}
    assert missing == ["身份证号", "补贴金额"]


def test_each_column_feeds_one_field():
    mapping, missing = map_columns(["姓名"], [("a", ["姓名"]), ("b", ["姓名"])])
    assert mapping == {0: "a"} and missing == ["姓名"]
