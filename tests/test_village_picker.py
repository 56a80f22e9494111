"""A city's viewer picks a village by typing its name (zhili/regions/picker.py): the case list lists no 5,000
villages, makes the same number of queries at two city sizes, and a typed name leads to that village's cases."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import World
from zhili.cases.models import Case
from zhili.people.models import Person, Role, RoleAssignment
from zhili.regions.models import Level, Region
from zhili.regions.picker import LIST_AT_MOST


def _more_villages(world: World, subdistricts: range, each: int) -> None:
    """Subdistricts of villages beside Taiping, in the same district: two of each subdistrict's share the name 王家村."""
    for s in subdistricts:
        code = f"{world.district.code}{900 + s:03d}"
        sub = Region.objects.create(
            code=code,
            name=f"测试{s}街道",
            level=Level.SUBDISTRICT,
            parent=world.district,
            path=f"{world.district.path}{code}/",
        )
        Region.objects.bulk_create(
            Region(
                code=f"{code}{i:03d}",
                name="王家村" if i == 0 else f"测试{s}-{i}村",
                level=Level.VILLAGE,
                parent=sub,
                path=f"{sub.path}{code}{i:03d}/",
            )
            for i in range(each)
        )


def _city_viewer(world: World) -> Client:
    person = Person.objects.create_user(username="city-viewer", password="x" * 12, full_name="市级查看")
    RoleAssignment.objects.create(person=person, role=Role.VIEWER, region=world.city)
    client = Client()
    client.force_login(person)
    return client


def _queries(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # warm: first-request work is not the page's
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_a_subdistrict_still_picks_from_a_drop_down(as_persona):
    page = as_persona("leader").get("/cases/").content.decode()
    assert '<select name="region">' in page and "孔家坊村</option>" in page and 'name="village"' not in page


def test_a_city_viewer_types_a_name_instead_of_scrolling_thousands(world):
    _more_villages(world, range(2), each=LIST_AT_MOST // 2 + 10)
    client = _city_viewer(world)
    small, page = _queries(client, "/cases/")
    assert 'name="village"' in page and '<select name="region">' not in page and "测试0-5村" not in page
    _more_villages(world, range(2, 4), each=LIST_AT_MOST)  # twice as many villages again
    large, page = _queries(client, "/cases/")
    assert large == small, (small, large)  # the same queries whatever the number of villages

    # a name typed → that village's page, its name kept in the box and its code hidden beside it
    response = client.get("/cases/", {"village": "孔家坊村", "state": "open"})
    assert response.status_code == 302 and f"region={world.kong.code}" in response.url and "state=open" in response.url
    page = client.get(response.url).content.decode()
    assert f'<input type="hidden" name="region" value="{world.kong.code}">' in page and 'value="孔家坊村"' in page
    kong = set(Case.objects.filter(path__startswith=world.kong.path).values_list("number", flat=True))
    shown = set(re.findall(r'href="/cases/\d+/">([^<]+)</a>', page))
    assert shown and shown <= kong

    # the form sent back as it was keeps the village; a name shared by several villages asks which one
    again = client.get("/cases/", {"village": "孔家坊村", "region": world.kong.code})
    assert again.status_code == 200
    several = client.get("/cases/", {"village": "王家村"})
    assert several.status_code == 200
    page = several.content.decode()
    assert "不止一个" in page and page.count("王家村（测试") == 4  # four subdistricts, one 王家村 each
    one = re.search(r'href="\?region=(\d+)">王家村（测试1街道）', page)
    assert one and Region.objects.get(code=one.group(1)).parent.name == "测试1街道"

    # nothing found: said, and every case shown; the box emptied: every village again
    page = client.get("/cases/", {"village": "没有这个村"}).content.decode()
    assert "没有名称含“没有这个村”的村（社区）" in page
    cleared = client.get("/cases/", {"village": "", "region": world.kong.code})
    assert cleared.status_code == 302 and "region=&" in cleared.url + "&"
