"""Lights: the rules, the 序时进度, working days with China's holidays, and the sentence each light says."""

import datetime
from decimal import Decimal

from zhili.targets import lights
from zhili.targets.models import Direction

D = datetime.date
RULE = lights.Rule()


def test_schedule_is_elapsed_share():
    assert lights.schedule(D(2020, 1, 1), D(2020, 12, 31), D(2020, 7, 1)) == Decimal("49.9")
    assert lights.schedule(D(2020, 1, 1), D(2020, 12, 31), D(2019, 12, 1)) == 0
    assert lights.schedule(D(2020, 1, 1), D(2020, 12, 31), D(2021, 3, 1)) == 100


def test_working_days_follow_the_holiday_calendar():
    # 2020-10-01..08 is the National Day holiday; Saturday 2020-10-10 is a make-up working day.
    assert lights.working_days_between(D(2020, 9, 30), D(2020, 10, 8)) == 0
    assert lights.working_days_between(D(2020, 10, 9), D(2020, 10, 10)) == 1
    assert lights.working_days_between(D(2020, 11, 20), D(2020, 11, 27)) == 5


def test_completion_directions_and_baseline():
    assert lights.completion(Decimal(550), Decimal(1100)) == Decimal("50.0")
    assert lights.completion(None, Decimal(10)) is None
    assert lights.completion(Decimal(8), Decimal(10), direction=Direction.LOWER) == 100
    assert lights.completion(Decimal(20), Decimal(10), direction=Direction.LOWER) == Decimal("50.0")
    # from a baseline of 100 towards 200: 150 is half-way
    assert lights.completion(Decimal(150), Decimal(200), Decimal(100)) == Decimal("50.0")


def test_five_states_and_their_sentences():
    start, deadline, today = D(2020, 1, 1), D(2020, 12, 31), D(2020, 11, 20)  # schedule = 324/365 ≈ 88.8 %
    done = lights.evaluate(Decimal(100), start, deadline, today, RULE)
    green = lights.evaluate(Decimal(90), start, deadline, today, RULE)
    yellow = lights.evaluate(Decimal(85), start, deadline, today, RULE)
    red = lights.evaluate(Decimal(60), start, deadline, today, RULE)
    overdue = lights.evaluate(Decimal(70), start, D(2020, 10, 31), today, RULE)
    none = lights.evaluate(None, start, deadline, today, RULE)
    assert [x.state for x in (done, green, yellow, red, overdue, none)] == [
        lights.DONE,
        lights.GREEN,
        lights.YELLOW,
        lights.RED,
        lights.OVERDUE,
        lights.NONE,
    ]
    assert "落后序时进度 28.8 个百分点，超过红灯阈值 10 个百分点" in red.explain()
    assert "逾期" in overdue.explain() and "2020-10-31" in overdue.explain()
    assert "黄灯" in yellow.explain()


def test_due_soon_is_yellow_even_when_on_schedule():
    light = lights.evaluate(Decimal(99), D(2020, 1, 1), D(2020, 11, 25), D(2020, 11, 20), RULE)
    assert light.state == lights.YELLOW
    assert "仅剩 3 个工作日" in light.explain()


def test_thresholds_are_configuration():
    strict = lights.Rule(red_gap=Decimal(3), due_soon_days=1)
    light = lights.evaluate(Decimal(84), D(2020, 1, 1), D(2020, 12, 31), D(2020, 11, 20), strict)
    assert light.state == lights.RED
    assert lights.evaluate(Decimal(84), D(2020, 1, 1), D(2020, 12, 31), D(2020, 11, 20), RULE).state == lights.YELLOW
