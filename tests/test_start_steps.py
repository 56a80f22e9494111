"""开始使用 on the home page: a new township's administrator is shown, in order, what to do first — its villages,
its people, its year, its ledgers — each a link until it is done; once every step is done the list is gone. Those
who may not take a step are not shown it."""

from __future__ import annotations

import re

from django.test import Client

from tests import roster_files
from tests.test_township import township  # noqa: F401  (the fixture: a real township beside the demo's)
from zhili.people.models import Person

STEP = re.compile(r'<li class="(done|todo)">(.*?)</li>', re.S)


def _steps(client: Client) -> list[tuple[str, str]]:
    html = client.get("/").content.decode()
    if 'data-testid="start-steps"' not in html:
        return []
    return [(state, re.sub(r"<[^>]+>", "", text).split("\n")[0].strip()) for state, text in STEP.findall(html)]


def test_a_new_townships_administrator_is_shown_the_steps_in_order_and_each_is_done_in_turn(township, tmp_path):  # noqa: F811
    from django.core.management import call_command

    admin = Client()
    admin.force_login(Person.objects.get(username="xx-admin"))
    steps = _steps(admin)
    assert [s for s, _ in steps] == ["todo"] * 4
    firsts = ("导入村居名册", "导入花名册", "编制 2020 年度目标", "从表格新建台账")  # the demo's clock: 2020
    assert [t.startswith(f) for (_, t), f in zip(steps, firsts, strict=True)] == [True] * 4, steps
    html = admin.get("/").content.decode()
    assert f'href="/regions/{township.code}/roster/"' in html and 'href="/ledgers/new/from-file/"' in html

    call_command("regions", "import", str(roster_files.village_roster(tmp_path / "v.xlsx", township.code)),
                 "--user", "xx-admin")  # fmt: skip
    steps = _steps(admin)
    assert steps[0] == ("done", "已完成 村（社区）3 个") and [s for s, _ in steps[1:]] == ["todo"] * 3
    assert f'<a href="/regions/{township.code}/">村（社区）3 个</a>' in admin.get("/").content.decode()  # the rows


def test_the_steps_are_not_shown_where_everything_is_there_nor_to_those_who_may_not_take_them(as_persona):
    for persona in ("leader", "economy", "viewer", "village", "grid"):
        assert _steps(as_persona(persona)) == [], persona
