"""Small households and a 回头看 round for the tests of trainings and rounds (the demo's households come later):
three households of 孔家坊 (one in demo-grid's grid, whose officer demo-grid is), two of 阎桥 (their officer
阎桥's inspector), a round with all five and 孔家坊 as a whole village, a training. Written straight to the
tables, unaudited: the tests' furniture, not the writes under test."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from zhili.core import clock
from zhili.households.actions import ensure_defaults
from zhili.households.models import Category, Household, Round, RoundTarget, Training
from zhili.people.models import Person

ROUND_NAME = "测试回头看"
TRAINING_TITLE = "测试帮扶培训"


@dataclass
class Small:
    k1: Household  # 孔家坊, demo-grid's grid, officer demo-grid, 脱贫户
    k2: Household  # 孔家坊, officer none, 低保户
    k3: Household  # 孔家坊, officer none
    y1: Household  # 阎桥, officer 阎桥's inspector, 脱贫户
    y2: Household  # 阎桥, officer 阎桥's inspector


def households(w) -> Small:
    """The five households, made once per test."""
    found = {h.number: h for h in Household.objects.filter(subdistrict=w.sub, number__startswith="HT-")}
    if len(found) == 5:
        return Small(*(found[n] for n in ("HT-K1", "HT-K2", "HT-K3", "HT-Y1", "HT-Y2")))
    ensure_defaults(w.sub)
    grid = Person.objects.get(username="demo-grid")
    cats = {c.code: c for c in Category.objects.filter(subdistrict=w.sub)}

    def make(number, region, head, officer=None, cat=None):
        h = Household.objects.create(
            subdistrict=w.sub, region=region, number=number, head_name=head, officer=officer, address=f"{head}家"
        )
        if cat:
            h.categories.add(cats[cat])
        return h

    return Small(
        make("HT-K1", w.kong_grid, "孔测一", grid, "tuopin"),
        make("HT-K2", w.kong, "孔测二", None, "dibao"),
        make("HT-K3", w.kong, "孔测三"),
        make("HT-Y1", w.yan, "阎测一", w.yan_person, "tuopin"),
        make("HT-Y2", w.yan, "阎测二", w.yan_person),
    )


def round_of(w) -> Round:
    """The round, its targets (the five households and 孔家坊 as a whole village), made once per test."""
    found = Round.objects.filter(subdistrict=w.sub, name=ROUND_NAME).first()
    if found is not None:
        return found
    small = households(w)
    today = clock.today()
    made = Round.objects.create(
        subdistrict=w.sub,
        name=ROUND_NAME,
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=20),
        created_by=Person.objects.get(username="demo-civil"),
        created_at=clock.now(),
    )
    for h in (small.k1, small.k2, small.k3, small.y1, small.y2):
        RoundTarget.objects.create(round=made, household=h, region=h.region)
    RoundTarget.objects.create(round=made, household=None, region=w.kong)
    return made


def target(w, number: str | None, village=None) -> RoundTarget:
    """The round's target of household `number`, or (number None) the whole-village target of `village`."""
    r = round_of(w)
    if number is None:
        return RoundTarget.objects.get(round=r, household__isnull=True, region=village or w.kong)
    return RoundTarget.objects.get(round=r, household__number=number)


def training_of(w) -> Training:
    found = Training.objects.filter(subdistrict=w.sub, title=TRAINING_TITLE).first()
    if found is not None:
        return found
    households(w)
    return Training.objects.create(
        subdistrict=w.sub,
        title=TRAINING_TITLE,
        held_on=clock.today() - datetime.timedelta(days=3),
        place="街道会议室",
        recorded_by=Person.objects.get(username="demo-civil"),
    )
