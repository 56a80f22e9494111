"""A gas-conversion-like ledger defined in the test (the demo's own ledgers are checked elsewhere), and a
messy spreadsheet as an office really sends it."""

import datetime
from decimal import Decimal

import openpyxl
from stdnum.cn import ric

from zhili.ledgers.actions import do_define_ledger
from zhili.people.models import Person
from zhili.people.scope import scope_for

FIELDS = [
    {"key": "village", "label": "村", "type": "region", "required": True},
    {"key": "head", "label": "户主姓名", "type": "text", "required": True},
    {"key": "id_number", "label": "身份证号", "type": "id_number", "required": True, "sensitive": True},
    {"key": "phone", "label": "联系电话", "type": "phone"},
    {
        "key": "method",
        "label": "改造方式",
        "type": "choice",
        "choices": ["燃气壁挂炉", "燃气灶具", "空气源热泵", "电采暖"],
    },
    {"key": "finished_on", "label": "完工日期", "type": "date"},
    {"key": "status", "label": "验收状态", "type": "choice", "choices": ["未开工", "施工中", "已完工", "已验收"]},
    {"key": "subsidy", "label": "补贴金额", "type": "decimal", "unit": "元", "decimals": 2, "min": 0},
]


def ident(serial: int, area: str = "370125", born: str = "19600101") -> str:
    body = f"{area}{born}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check character


def define(world, code="test-gas"):
    leader = Person.objects.get(username="demo-leader")
    return do_define_ledger(
        region=world.sub,
        data={
            "code": code,
            "name": "测试气代煤台账",
            "level": "household",
            "unit": "urban",
            "key": ["id_number"],
            "fields": FIELDS,
        },
        actor=leader,
        scope=scope_for(leader),
    )


def messy_workbook(path, *, kong="孔家坊", yan="阎桥村"):
    """Title rows, a merged two-row header, full-width digits, thousands separators, four date formats,
    an identity number Excel stored as a number, a duplicate key, a 合计 row and a signature line."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["太平街道孔家坊村气代煤改造台账（2020年）"])
    ws.merge_cells("A1:H1")
    ws.append(["填报单位：孔家坊村委会", None, None, None, None, None, "单位：户、元"])
    ws.append(["村", "户主信息", None, "联系电话", "改造方式", "完工日期", "验收状态", "补贴金额（元）"])
    ws.append([None, "户主姓名", "身份证号", None, None, None, None, None])
    ws.merge_cells("B3:C3")
    for col in "ADEFGH":
        ws.merge_cells(f"{col}3:{col}4")
    rows = [
        # row 5: full-width digits and a thousands separator in the subsidy, dotted date
        [kong, "孔繁林", ident(1), "139 0000 0001", "燃气壁挂炉", "2020.5.12", "已验收", "３，２００．５"],
        # row 6: village with its suffix, Chinese date, trailing spaces
        ["孔家坊村 ", "孔德胜 ", ident(2), "13900000002", "燃气灶具", "2020年6月3日", "已完工 ", "1,800"],
        # row 7: slashed date; an older villager's retired area code (accepted with a warning)
        [kong, "孔秀兰", ident(3, area="372425", born="19450302"), "13900000003", "电采暖", "2020/7/1", "已验收", 2500],
        # row 8: an identity number Excel stored as a number: its last digits are lost
        [kong, "孔立国", 370125196001010040, "13900000004", "燃气壁挂炉", 44027, "已验收", 3000],
        # row 9: duplicate key (same as row 5)
        [kong, "孔繁林", ident(1), "13900000001", "燃气壁挂炉", "2020-05-12", "已验收", 3200.5],
        # row 10: another village the importer may also write (the leader may; the village cadre may not)
        [yan, "阎春梅", ident(5), "13900000005", "空气源热泵", datetime.date(2020, 8, 8), "施工中", "0"],
        # row 11: blank
        [None] * 8,
        # row 12: a value not in the choices, and a negative subsidy
        [kong, "孔凡", ident(6), "13900000006", "煤改电", "2020-09-01", "已验收", "-5"],
        # row 13: 合计
        ["合计", None, None, None, None, None, None, "10,501.5"],
        # row 14: signature line
        ["填表人：孔立新", None, None, "审核人：", None, "联系电话：13900000009", None, None],
    ]
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


EXPECTED_ERRORS = {  # Excel row → the column whose value is refused
    8: "身份证号",
    9: "身份证号",
    12: "改造方式",
}
EXPECTED_SUBSIDY_ROW5 = Decimal("3200.50")
