"""The construction taxes a project is expected to pay where it is built: ../shared/domain/README.md §5's worked
examples, the carry-forward of a negative base, the VAT rate change of April 2019, the contractor's registration
place, the small-scale threshold and the income-tax prepayment."""

import datetime
import json
from decimal import Decimal

import pytest

from zhili.projects.taxes import (
    RULES_FILE,
    LocationClass,
    Management,
    Method,
    Month,
    Project,
    Relation,
    Rules,
    RulesError,
    expected,
    relation,
)

D = Decimal
MAY_2020 = datetime.date(2020, 5, 1)
AWAY = Relation.OTHER_PROVINCE  # a contractor that prepays here


def one(project: Project, received, subcontract=0, month=MAY_2020):
    (tax,) = expected(project, [Month(month, D(received), D(subcontract))])
    return tax


def test_worked_example_general_method_and_its_surcharges_in_an_urban_district():
    tax = one(Project(Method.GENERAL, AWAY, LocationClass.URBAN), 1_090_000, 218_000)
    assert tax.base == 872_000 and tax.vat == D("16000.00")  # 872,000 ÷ 1.09 × 2 %
    assert (tax.urban_maintenance, tax.education, tax.local_education) == (D("1120.00"), D("480.00"), D("320.00"))
    assert tax.surcharges == D("1920.00") and tax.income_tax == 0  # run by a branch: no income tax here


def test_worked_example_simple_method():
    tax = one(Project(Method.SIMPLE, AWAY), 1_030_000, 206_000)
    assert tax.base == 824_000 and tax.vat == D("24000.00")  # 824,000 ÷ 1.03 × 3 %


def test_the_surcharge_rate_follows_the_location_class():
    town = one(Project(Method.GENERAL, AWAY, LocationClass.TOWN), 1_090_000, 218_000)
    other = one(Project(Method.GENERAL, AWAY, LocationClass.OTHER), 1_090_000, 218_000)
    assert (town.urban_maintenance, other.urban_maintenance) == (D("800.00"), D("160.00"))


def test_a_negative_base_carries_forward_to_the_projects_next_month():
    months = [
        Month(datetime.date(2020, 3, 1), D(100_000), D(300_000)),  # 200,000 more paid out than received
        Month(datetime.date(2020, 4, 1), D(150_000), D(0)),  # all of it deducted, 50,000 still carried
        Month(datetime.date(2020, 5, 1), D(1_090_000), D(0)),  # 1,040,000 taxed
    ]
    march, april, may = expected(Project(Method.GENERAL, AWAY), months)
    assert (march.base, march.carried, march.vat) == (0, D(200_000), 0)
    assert (april.base, april.carried, april.vat) == (0, D(50_000), 0)
    assert (may.base, may.carried) == (D(1_040_000), 0)
    assert may.vat == D("19082.57")  # 1,040,000 ÷ 1.09 × 2 % = 19,082.568…


def test_the_vat_rate_in_force_that_month_april_2019():
    months = [
        Month(datetime.date(2018, 4, 1), D(1_110_000)),  # 11 %
        Month(datetime.date(2018, 5, 1), D(1_100_000)),  # 10 % from 2018-05-01
        Month(datetime.date(2019, 3, 1), D(1_100_000)),  # still 10 %
        Month(datetime.date(2019, 4, 1), D(1_090_000)),  # 9 % from 2019-04-01
    ]
    vats = [t.vat for t in expected(Project(Method.GENERAL, AWAY), months)]
    assert vats == [D("20000.00")] * 4
    assert "财税〔2018〕32号" in expected(Project(Method.GENERAL, AWAY), months[2:3])[0].basis


def test_a_contractor_of_another_county_of_the_same_city_prepays_nothing_here_and_the_loss_is_named():
    tax = one(Project(Method.GENERAL, Relation.SAME_CITY), 1_090_000, 218_000)
    assert tax.leaves and tax.total == 0
    assert tax.at_stake == D("17920.00")  # 16,000 VAT + 1,920 surcharges that would have been prepaid
    assert "公告2017年第11号" in tax.notes[0]


def test_a_contractor_of_this_county_pays_at_home_and_nothing_is_expected_as_a_prepayment():
    tax = one(Project(Method.GENERAL, Relation.SAME_COUNTY), 1_090_000)
    assert tax.total == 0 and not tax.leaves and "本县（区）" in tax.notes[0]


def test_the_contractors_registration_place_from_the_two_county_codes():
    jiyang = "370115"  # 济南市济阳区, where Taiping is
    assert relation(jiyang, "370115") == Relation.SAME_COUNTY
    assert relation(jiyang, "370102") == Relation.SAME_CITY  # 历下区
    assert relation(jiyang, "370202") == Relation.SAME_PROVINCE  # 青岛市市南区
    assert relation(jiyang, "110105") == Relation.OTHER_PROVINCE  # 北京市朝阳区


def test_a_small_scale_taxpayer_within_the_monthly_threshold_prepays_nothing_and_keeps_its_deduction():
    small = Project(Method.SMALL_SCALE, AWAY)
    quiet, busy = expected(
        small,
        [Month(datetime.date(2020, 4, 1), D(103_000), D(10_000)), Month(MAY_2020, D(1_030_000), D(196_000))],
    )
    assert quiet.vat == 0 and "无需预缴" in quiet.notes[0] and quiet.carried == D(10_000)
    assert busy.base == D(824_000) and busy.vat == D("24000.00")
    # before the threshold existed (2019), the same month prepaid
    (before,) = expected(small, [Month(datetime.date(2018, 6, 1), D(103_000))])
    assert before.vat == D("3000.00")


def test_a_head_office_of_another_province_prepays_income_tax_here_and_a_branch_does_not():
    direct = Project(Method.GENERAL, AWAY, management=Management.HEAD_OFFICE)
    assert one(direct, 1_090_000, 218_000).income_tax == D("2000.00")  # 1,090,000 ÷ 1.09 × 0.2 %, no deduction
    same_province = Project(Method.GENERAL, Relation.SAME_PROVINCE, management=Management.HEAD_OFFICE)
    assert one(same_province, 1_090_000).income_tax == 0
    assert one(Project(Method.GENERAL, AWAY), 1_090_000).income_tax == 0


def test_the_receipts_tax_names():
    tax = one(Project(Method.GENERAL, AWAY), 1_090_000, 218_000)
    assert list(tax.by_tax()) == ["增值税", "城市维护建设税", "教育费附加", "地方教育附加", "企业所得税"]
    assert tax.total == D("17920.00")


def test_rates_are_data_a_changed_rate_is_a_new_period_not_code(tmp_path):
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["vat_general"][-1]["to"] = "2026-12-31"
    data["vat_general"].append({"from": "2027-01-01", "to": None, "value": "0.08", "basis": "（假设的新税率）"})
    rules = Rules(data)
    (tax,) = expected(Project(Method.GENERAL, AWAY), [Month(datetime.date(2027, 1, 1), D(1_080_000))], rules)
    assert tax.vat == D("20000.00")
    data["vat_general"][-1]["from"] = "2026-06-01"
    with pytest.raises(RulesError, match="重叠"):
        Rules(data)
    with pytest.raises(RulesError, match="没有适用的税率"):
        expected(Project(Method.GENERAL, AWAY), [Month(datetime.date(2015, 1, 1), D(1))])
