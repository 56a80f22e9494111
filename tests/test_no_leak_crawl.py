"""Follow every link a person can click, from the home page on, and look for anything outside their scope.

As demo-village no page may name another of Taiping's villages; as demo-grid no page may name another grid of
孔家坊 (nor another village); as demo-leader the crawl reaches every one of the 91 villages.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests import crawl as crawler
from tests.conftest import PERSONAS, person
from zhili.people.models import Role, RoleAssignment
from zhili.regions.models import Level, Region

_readable = crawler.readable


def crawl(
    client: Client,
    start: str = "/",
    *,
    stop_when=None,
    limit: int = crawler.LIMIT,
    within: str = "/",
    broken: dict[str, str] | None = None,
) -> dict[str, str]:
    """tests/crawl.py's crawl, as {path: text read} (a redirect: ""), stopping once `stop_when(pages)` holds.

    A page that answers neither 200 nor 302 fails the crawl at once, or, when `broken` is given, is noted there
    ("path → status, linked from page") so that the test can report it together with any leak."""
    pages: dict[str, str] = {}
    for path, response in crawler.crawl(client, start, limit=limit, within=within):
        if response.status_code not in (200, 302):
            problem = f"{response.status_code}, linked from {response.linked_from}"
            assert broken is not None, f"{path} → {problem}"
            broken[path] = problem
            continue
        pages[path] = crawler.readable(response)
        if stop_when and stop_when(pages):
            break
    return pages


def leaks(pages: dict[str, str], forbidden: list[str]) -> list[tuple[str, str]]:
    return [(url, word) for url, body in pages.items() for word in forbidden if word in body]


# The township publishes its villages' ranking to the villages (RankingScheme.published_to_villages; the demo does):
# that page names every village with its rank and score — and nothing else of them: no code, no link, no person,
# no breakdown but the viewer's own village's.
PUBLISHED_RANKING = "/targets/ranking/"
# The weekly bulletins (通报) are published to the subdistrict's villages too — they are ranked in them: every
# week's page and its downloads name the villages with their scores, and nothing else of them. The review
# meetings' pages are not published (a village's cadre sees his own village's 督办 items only).
PUBLISHED = (PUBLISHED_RANKING, "/bulletins/")
NOT_PUBLISHED = "/bulletins/meetings/"


def _published(url: str) -> bool:
    return url.startswith(PUBLISHED) and not url.startswith(NOT_PUBLISHED)


def leaks_beside_the_ranking(pages: dict[str, str], forbidden: list[str], names: list[str]) -> list[tuple[str, str]]:
    """Leaks of `forbidden`, where the published ranking and bulletins may name the villages `names` (and only
    name them)."""
    found = leaks({u: b for u, b in pages.items() if not _published(u)}, forbidden)
    allowed = set(names)
    ranking = {u: b for u, b in pages.items() if _published(u)}
    return found + leaks(ranking, [w for w in forbidden if w not in allowed])


def other_villages(world) -> list[Region]:
    return list(Region.objects.filter(parent=world.sub, level=Level.VILLAGE).exclude(pk=world.kong.pk))


def test_the_village_cadre_sees_nothing_of_the_other_90_villages(world):
    client = Client()
    client.force_login(person("demo-village"))
    broken: dict[str, str] = {}
    pages = crawl(client, broken=broken)

    others = other_villages(world)
    assert len(others) == 90
    forbidden = [v.name for v in others] + [v.code for v in others]
    # The other villages' party secretaries and grid inspectors are people of those villages.
    forbidden += list(
        RoleAssignment.objects.filter(region__in=others, role=Role.VILLAGE_CADRE).values_list(
            "person__full_name", flat=True
        )
    )
    forbidden += list(
        RoleAssignment.objects.filter(region__parent__in=others, role=Role.GRID_INSPECTOR).values_list(
            "person__full_name", flat=True
        )
    )
    assert (leaks_beside_the_ranking(pages, forbidden, [v.name for v in others]), broken) == ([], {})
    assert PUBLISHED_RANKING in pages and "阎桥村" in pages[PUBLISHED_RANKING]
    assert f"/targets/?region={world.yan.code}" not in pages[PUBLISHED_RANKING]

    # The crawl did reach their own village, every grid of it and the grids' chain forms.
    assert f"/regions/{world.kong.code}/" in pages
    for grid in world.kong.children.all():
        assert f"/regions/{grid.code}/" in pages
        assert f"/regions/{grid.code}/chain/" in pages
    assert "/account/" in pages
    assert not any(url.startswith(("/people/", "/audit/", f"/regions/{world.sub.code}/")) for url in pages)
    # … and his office duty: the sign-in (the home's to-do), his village's month and his own days
    assert "/duty/" in pages and f"/duty/attendance/{world.kong.code}/?month=2020-11" in pages


def test_the_grid_inspector_sees_only_their_grid(world):
    client = Client()
    client.force_login(person("demo-grid"))
    broken: dict[str, str] = {}
    pages = crawl(client, broken=broken)

    other_grids = list(world.kong.children.exclude(pk=world.kong_grid.pk))
    assert other_grids
    others = other_villages(world)
    forbidden = [g.name for g in other_grids] + [g.code for g in other_grids] + [v.name for v in others]
    forbidden += list(
        RoleAssignment.objects.filter(region__in=other_grids, role=Role.GRID_INSPECTOR).values_list(
            "person__full_name", flat=True
        )
    )
    assert (leaks_beside_the_ranking(pages, forbidden, [v.name for v in others]), broken) == ([], {})

    assert f"/regions/{world.kong_grid.code}/" in pages
    assert f"/regions/{world.kong.code}/" not in pages
    assert "孔家坊村第1网格" in pages[f"/regions/{world.kong_grid.code}/"]


def test_the_outsider_sees_nothing_of_kongjiafang(world):
    client = Client()
    client.force_login(world.outsider)
    broken: dict[str, str] = {}
    pages = crawl(client, broken=broken)
    assert f"/regions/{world.yan.code}/" in pages
    forbidden = ["孔家坊", world.kong.code, "孔立新", "孔秀英"]
    assert (leaks_beside_the_ranking(pages, forbidden, ["孔家坊"]), broken) == ([], {})


def test_the_leader_reaches_all_91_villages(world):
    client = Client()
    client.force_login(person("demo-leader"))
    home = crawl(client, limit=1)["/"]
    assert f'href="/regions/{world.sub.code}/"' in home and 'href="/people/"' in home
    assert (
        'href="/audit/"' not in home
    )  # 三员分立: the log is the audit administrator's, not the system administrator's
    village_urls = {
        f"/regions/{code}/" for code in Region.objects.filter(parent=world.sub).values_list("code", flat=True)
    }
    assert len(village_urls) == 91
    # From the region browser (one click from home) every village is one more click away.
    pages = crawl(client, "/regions/", within="/regions/", stop_when=lambda fetched: village_urls <= fetched.keys())
    missing = village_urls - pages.keys()
    assert not missing, f"not reached: {sorted(missing)[:5]}…"


@pytest.mark.parametrize("persona", ["economy", "viewer"])
def test_readers_of_the_whole_subdistrict_reach_villages_but_not_administration(as_persona, world, persona):
    client = as_persona(persona)
    home = crawl(client, limit=1)["/"]
    for admin_url in ("/people/", "/audit/", "/units/"):
        assert f'href="{admin_url}"' not in home
    pages = crawl(client, "/regions/", within="/regions/", limit=12)
    assert f"/regions/{world.sub.code}/" in pages
    village_urls = {
        f"/regions/{code}/" for code in Region.objects.filter(parent=world.sub).values_list("code", flat=True)
    }
    assert village_urls & pages.keys()
    assert not any(url.endswith(("/edit/", "/merge/", "/children/new/", "/chain/")) for url in pages)


def test_no_api_endpoint_shows_the_village_cadre_another_village(world):
    """Every GET endpoint of the OpenAPI document, called with the cadre's token, answers only about 孔家坊."""
    from zhili.people.actions import do_create_token

    cadre = person("demo-village")
    _, raw = do_create_token(cadre, name="巡检", actor=cadre)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    doc = client.get("/api/v1/openapi.json").json()
    values = {"code": world.kong.code, "person_id": str(cadre.pk)}
    others = other_villages(world)
    forbidden = [v.name for v in others] + [v.code for v in others]
    called = []
    for path, operations in doc["paths"].items():
        if "get" not in operations or path.endswith(("/openapi.json", "/docs")):
            continue
        url = path
        for name, value in values.items():
            url = url.replace("{" + name + "}", value)
        if "{" in url:  # an id of a later issue's object: those endpoints have their rows in tests/scope_matrix.py
            continue
        url += "?limit=1000" if "limit" in json.dumps(operations["get"].get("parameters", [])) else ""
        response = client.get(url)
        assert response.status_code in (200, 403, 404), f"{url} → {response.status_code}"
        called.append(url)
        body = response.content.decode()
        assert [w for w in forbidden if w in body] == [], url
    assert any(u.startswith("/api/v1/regions?") for u in called)
    grid_chain = client.get(f"/api/v1/regions/{world.kong_grid.code}/chain")
    assert grid_chain.status_code == 200


# ---- the audit log, the exports and the import previews, as each persona (issue 9) -------------------------

EVERYONE = ("leader", "economy", "urban", "civil", "village", "grid", "viewer", "outsider", "tips", "auditor")


def _client(world, persona: str) -> Client:
    client = Client()
    client.force_login(_who(world, persona))
    return client


def _who(world, persona: str):
    if persona == "auditor":  # the audit administrator (安全审计员, tests/security_personas.py)
        from tests.security_personas import admin_persona

        return admin_persona(world, "auditor")
    return world.outsider if persona == "outsider" else person(dict(PERSONAS, tips="demo-tips")[persona])


def _hidden_identity_numbers(scope) -> set[str]:
    """Every identity number in the demo's ledgers that this person may not see in full (policy.reveal_identity)."""
    from zhili.ledgers.models import FieldType, LedgerRow
    from zhili.people import policy

    hidden: set[str] = set()
    rows = LedgerRow.objects.select_related("ledger__region", "region", "version")
    for row in rows.iterator(chunk_size=2000):
        keys = [f["key"] for f in row.version.fields if f["type"] == FieldType.ID_NUMBER]
        if keys and not policy.reveal_identity(scope, row.ledger, row.region):
            hidden.update(str(row.data[k]) for k in keys if row.data.get(k))
    return hidden


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_audit_log_and_every_export_hold_nothing_the_persona_may_not_see(world, persona):
    """Each persona reads the audit log (every page of it they may open) and every export there is — each ledger,
    the case statistics by village, unit and grid, the targets table: no confidential tip, no identity number they
    may not reveal, and for a village's or grid's people, no other village."""
    from zhili.cases.models import Case
    from zhili.ledgers.models import Ledger
    from zhili.people.scope import scope_for

    client = _client(world, persona)
    tip = Case.objects.filter(confidential=True).first()
    assert tip is not None, "the demo holds a tip"
    assert _client(world, "tips").get(f"/cases/{tip.pk}/").status_code == 200  # the officer opens it: audited
    forbidden = [tip.number, tip.description[:20]] if persona != "tips" else []
    scope = scope_for(_who(world, persona))
    hidden_numbers = _hidden_identity_numbers(scope)
    if persona in ("village", "grid", "outsider"):
        own = world.yan if persona == "outsider" else world.kong
        others = [v for v in Region.objects.filter(parent=world.sub, level=Level.VILLAGE) if v.pk != own.pk]
        forbidden += [v.name for v in others]

    pages: dict[str, str] = {}
    broken: dict[str, str] = {}
    pages.update(crawl(client, "/audit/", within="/audit/", limit=12, broken=broken))  # 404 for non-administrators
    doors = [f"/ledgers/{code}/export.xlsx" for code in Ledger.objects.values_list("code", flat=True)]
    doors += [f"/cases/stats.xlsx?by={by}" for by in ("village", "unit", "grid")]
    doors += ["/targets/export.xlsx?year=2020", "/audit/export.xlsx"]
    for url in doors:
        response = client.get(url)
        if response.status_code == 200:
            pages[url] = _readable(response)
    assert any(url.endswith(".xlsx") or "xlsx?" in url for url in pages), "some export was read"
    found = leaks(pages, forbidden)
    numbers = [(url, n) for url, body in pages.items() for n in hidden_numbers if n in body]
    assert (found, numbers[:5]) == ([], [])
    if persona == "leader":  # the doors were really read
        assert "/ledgers/gas-conversion/export.xlsx" in pages
    if persona == "auditor":  # the log and its export (the tip's entries sealed)
        assert "/audit/" in pages and "/audit/export.xlsx" in pages
    if persona in ("economy", "civil", "viewer"):  # they read every row, and may reveal none of them
        assert len(hidden_numbers) > 1000 and "/ledgers/gas-conversion/export.xlsx" in pages


def test_an_import_preview_shows_the_village_cadre_nothing_of_the_rows_it_collides_with(world, tmp_path):
    """demo-village imports a file whose households carry the identity numbers of other villages' rows: the
    preview, its page and its rejected rows name nothing of those rows — not their village, head or phone."""
    from tests.test_imports_rights import gas_file, upload
    from zhili.ledgers.models import LedgerRow

    theirs = list(
        LedgerRow.objects.filter(ledger__code="gas-conversion", archived_at__isnull=True)
        .exclude(region__path__startswith=world.kong.path)
        .select_related("region")
        .order_by("pk")[:5]
    )
    rows = [
        ("孔家坊村", f"探针户{i}", r.key_value, "13900099999", "电采暖", "2020-10-01", "已验收", 1)
        for i, r in enumerate(theirs)
    ]
    client = _client(world, "village")
    response, job = upload(client, gas_file(tmp_path / "探针.xlsx", *rows))
    assert response.status_code == 302
    start = f"/ledgers/gas-conversion/import/{job.pk}/"
    broken: dict[str, str] = {}
    pages = crawl(client, start, within="/ledgers/gas-conversion/import/", limit=10, broken=broken)
    rejected = client.get(start + "rejected.xlsx")
    if rejected.status_code == 200:
        pages[start + "rejected.xlsx"] = _readable(rejected)
    assert start in pages and "该身份证号已登记在您无权修改的村（社区）" in pages[start]
    others = [v.name for v in Region.objects.filter(parent=world.sub, level=Level.VILLAGE).exclude(pk=world.kong.pk)]
    secrets = others + [r.data["head_name"] for r in theirs] + [r.data["phone"] for r in theirs if r.data.get("phone")]
    assert leaks(pages, secrets) == []


# ---- ledgers made from a file and definitions edited (issue 11): reached by who may use them, by no one else -----


@pytest.mark.parametrize(
    "persona, makes, edits",
    [("leader", True, True), ("urban", True, True), ("economy", True, False), ("viewer", False, False),
     ("village", False, False), ("grid", False, False), ("outsider", False, False)],
)  # fmt: skip
def test_the_pages_that_make_and_change_ledgers_are_linked_for_who_may_use_them(world, persona, makes, edits):
    client = _client(world, persona)
    make, edit = "/ledgers/new/from-file/", "/ledgers/gas-conversion/definition/edit/"
    broken: dict[str, str] = {}
    pages = crawl(client, "/ledgers/", within="/ledgers/", limit=40, broken=broken, stop_when=lambda p: make in p)
    pages.update(
        crawl(client, "/ledgers/gas-conversion/definition/", within="/ledgers/gas-conversion/definition/", limit=5)
    )
    assert (make in pages, edit in pages, broken) == (makes, edits, {})
    if persona in ("village", "grid", "outsider"):
        own = world.yan if persona == "outsider" else world.kong
        others = [v.name for v in Region.objects.filter(parent=world.sub, level=Level.VILLAGE).exclude(pk=own.pk)]
        assert leaks(pages, others) == []


# ---- a township's rosters (zhili.township) -----------------------------------------------------------------


def test_the_administrator_reaches_the_roster_imports_and_readers_are_shown_no_door(world, as_persona):
    """The leader (the demo's administrator) reaches both roster pages, their templates, an import's preview and
    its rejected rows from the region page and the people page. Readers of the township and the village's people
    find no door to them."""
    from tests.scope_matrix import a_roster_import

    client = Client()
    client.force_login(person("demo-leader"))
    a_roster_import(world, "regions")
    a_roster_import(world, "people")
    pages = crawl(client, f"/regions/{world.sub.code}/", within=f"/regions/{world.sub.code}/roster/", limit=20)
    pages |= crawl(client, "/people/", within="/people/roster/", limit=20)
    reached = set(pages)
    roster = f"/regions/{world.sub.code}/roster/"
    people = f"/people/roster/{world.sub.code}/"
    for url in (roster, roster + "template.xlsx", people, people + "template.xlsx", "/people/roster/"):
        assert url in reached, url
    assert any(u.startswith(roster) and u[len(roster) :].rstrip("/").isdigit() for u in reached)
    assert any(u.startswith(people) and u.endswith("rejected.xlsx") for u in reached)
    for persona in ("viewer", "economy", "village", "grid", "outsider"):
        reader = as_persona(persona)
        seen = crawl(reader, limit=30)
        seen |= crawl(reader, "/regions/", within="/regions/", limit=15)
        assert not any("/roster/" in u for u in seen), persona


# ---- the year being built (issue 11) --------------------------------------------------------------------------


def _import_2021(world):
    """Taiping's 2021 from a 目标责任书 (tests/targets_book.py): shares for 孔家坊 and 阎桥."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.targets_book import demo_rows, write_book
    from zhili.imports import actions
    from zhili.people.scope import scope_for
    from zhili.targets.importer import KEY, TargetYear

    leader = person("demo-leader")
    buf = io.BytesIO()
    write_book(buf, demo_rows(), villages=["孔家坊村", "阎桥"])
    job = actions.do_start_import(
        KEY,
        TargetYear(world.sub, 2021),
        SimpleUploadedFile("2021.xlsx", buf.getvalue()),
        actor=leader,
        scope=scope_for(leader),
    )
    actions.do_confirm(job, only_valid=False, actor=leader, scope=scope_for(leader))


def test_the_planners_reach_every_authoring_page_and_the_village_none(world):
    _import_2021(world)
    leader = Client()
    leader.force_login(person("demo-leader"))
    broken: dict[str, str] = {}
    kinds = (
        "/targets/plan/?year=2021",
        "/targets/plan/rollover/",
        "/targets/plan/lights/",
        "/goals/",
        "/tasks/new/",
        "/indicators/new/",
    )
    kinds += ("/edit/", "/shares/", "/targets/import/2021/")

    def reached_all(pages) -> bool:
        return all(any(k in url for url in pages) for k in kinds)

    pages = crawl(leader, "/targets/?year=2021", within="/targets/", broken=broken, stop_when=reached_all)
    assert broken == {}
    assert [k for k in kinds if not any(k in url for url in pages)] == []

    cadre = Client()
    cadre.force_login(person("demo-village"))
    pages = crawl(cadre, "/targets/?year=2021", within="/targets/", broken=broken)
    assert broken == {} and "改厕户数" in pages["/targets/?year=2021"]
    assert not any(k in url for url in pages for k in ("/plan/", "/edit/", "/new/", "/import/"))
    forbidden = [v.name for v in other_villages(world)]
    # the ranking, which the township publishes to its villages, names every village by design (test_cockpit.py)
    private = {url: html for url, html in pages.items() if not url.startswith("/targets/ranking/")}
    assert leaks(private, forbidden) == []

    officer = Client()
    officer.force_login(person("demo-urban"))
    pages = crawl(
        officer,
        "/targets/?year=2021",
        within="/targets/",
        broken=broken,
        stop_when=lambda fetched: any("/indicators/new/" in url for url in fetched),
    )
    assert broken == {}
    assert any("/indicators/new/" in url for url in pages)  # its own tasks' indicators
    assert not any("/plan/" in url for url in pages)


def test_a_village_sees_its_own_reminders_and_answers_and_nothing_of_another_village(world):
    """demo-leader 催办 孔家坊 and 阎桥 about the same share; each answers. 孔家坊's cadre reaches their own 催办 and
    answer (home, the 催办 page, the indicator) and nothing of 阎桥's; the leader sees both answers."""
    from zhili.people.scope import scope_for
    from zhili.targets import actions

    leader = person("demo-leader")
    made = actions.do_remind_villages(
        world.ind_village, [world.kong, world.yan], message="请报送推进计划", actor=leader, scope=scope_for(leader)
    )
    kong_r, yan_r = made
    actions.do_answer_village_reminder(
        kong_r, answer="孔家坊本月底完成", actor=person("demo-village"), scope=scope_for(person("demo-village"))
    )
    actions.do_answer_village_reminder(
        yan_r, answer="阎桥专用回复下周完成", actor=world.outsider, scope=scope_for(world.outsider)
    )
    client = Client()
    client.force_login(person("demo-village"))
    broken: dict[str, str] = {}
    pages = crawl(client, "/", within="/targets/", limit=60, broken=broken)
    assert "/targets/reminders/" in pages and "孔家坊本月底完成" in pages["/targets/reminders/"]
    assert (leaks(pages, ["阎桥专用回复下周完成", world.outsider.full_name]), broken) == ([], {})

    leader_client = Client()
    leader_client.force_login(leader)
    page = leader_client.get(f"/targets/indicators/{world.ind_village.pk}/").content.decode()
    assert "孔家坊本月底完成" in page and "阎桥专用回复下周完成" in page
