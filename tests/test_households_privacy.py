"""Privacy of households (issue 14): for every persona — leader, administrator, the office in charge (民政办), another
office, 孔家坊's cadre, a grid inspector, a viewer, the tip officer, another village's cadre, and the household's
assistance officer — no page or API answer shows a full identity or phone number; a full number is shown only after
a reason is given, only to whom policy.reveal_personal allows, and each reveal is a Reveal row and an audit entry."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import households_fixtures
from tests.conftest import PERSONAS
from zhili.core.models import AuditEntry
from zhili.households.models import Reveal

# persona → (sees 孔家坊's household, may reveal its numbers)
EXPECT = {
    "leader": (True, True),
    "admin": (True, False),
    "civil": (True, True),  # the office in charge
    "economy": (True, False),  # another office
    "village": (True, True),  # 孔家坊's cadre
    "grid": (True, False),
    "viewer": (True, False),
    "tip": (False, False),
    "outsider": (False, False),  # 阎桥's cadre
    "officer": (True, True),  # the household's assistance officer, holding no role
}


@pytest.fixture
def hh(world):
    return households_fixtures.make(world)


def _client(world, hh, persona: str) -> Client:
    from zhili.people.models import Person

    if persona == "outsider":
        user = world.outsider
    elif persona == "officer":
        user = hh.officer
    elif persona in ("admin", "tip"):
        user = households_fixtures.extra_persona(world, persona)
    else:
        user = Person.objects.get(username=PERSONAS[persona])
    client = Client()
    client.force_login(user)
    return client


def _no_full_number(body: str, hh, where: str) -> None:
    shown = [n for n in (*hh.identities, *hh.phones) if n in body]
    assert not shown, f"{where} shows {shown}"


@pytest.mark.parametrize("persona", list(EXPECT))
def test_no_page_or_answer_shows_a_full_number_and_every_reveal_is_kept(persona, world, hh):
    sees, reveals = EXPECT[persona]
    client = _client(world, hh, persona)
    kong = hh.kong
    urls = [
        "/households/",
        "/households/?failing=1",
        "/households/coverage/",
        "/households/failing/",
        f"/households/{kong.pk}/",
        f"/households/{kong.pk}/visit/",
        f"/households/{hh.yan.pk}/",
        "/api/v1/households",
        f"/api/v1/households/{kong.pk}",
        f"/api/v1/households/{kong.pk}/visits",
        f"/api/v1/households/{hh.yan.pk}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        _no_full_number(response.content.decode(), hh, f"{persona} {url}")
    detail = client.get(f"/households/{kong.pk}/")
    assert (detail.status_code == 200) == sees, (persona, detail.status_code)
    if sees:
        body = detail.content.decode()
        head = hh.members[0]
        assert head.identity[:6] + "********" + head.identity[-4:] in body  # masked, not missing
        assert ("查看完整号码" in body) == reveals, persona
        api = client.get(f"/api/v1/households/{kong.pk}").json()
        assert api["members"][0]["identity_masked"] == head.identity[:6] + "********" + head.identity[-4:]

    head = hh.members[0]
    before_audit = AuditEntry.objects.filter(action="households.reveal").count()
    before_reveals = Reveal.objects.count()
    # no reason: refused whoever asks (and nothing kept)
    no_reason = client.post(f"/households/{kong.pk}/reveal/", {"field": "identity", "member": head.pk, "reason": ""})
    assert no_reason.status_code in (400, 403, 404)
    _no_full_number(no_reason.content.decode(), hh, f"{persona} reveal without a reason")
    response = client.post(
        f"/households/{kong.pk}/reveal/", {"field": "identity", "member": head.pk, "reason": "核对医保参保信息"}
    )
    if reveals:
        assert response.status_code == 200
        assert head.identity in response.content.decode()
        assert response["Cache-Control"] == "no-store"
        reveal = Reveal.objects.latest("pk")
        assert (reveal.member_id, reveal.field, reveal.reason) == (head.pk, "identity", "核对医保参保信息")
        entry = AuditEntry.objects.filter(action="households.reveal").latest("pk")
        assert entry.reason == "核对医保参保信息"
        assert Reveal.objects.count() == before_reveals + 1
        assert AuditEntry.objects.filter(action="households.reveal").count() == before_audit + 1
        # the household page right after still shows the number masked
        _no_full_number(client.get(f"/households/{kong.pk}/").content.decode(), hh, f"{persona} after a reveal")
    else:
        assert response.status_code == (403 if sees else 404), (persona, response.status_code)
        _no_full_number(response.content.decode(), hh, f"{persona} refused reveal")
        assert Reveal.objects.count() == before_reveals
        assert AuditEntry.objects.filter(action="households.reveal").count() == before_audit


def test_a_phone_reveal_of_the_household_itself(world, hh):
    client = _client(world, hh, "civil")
    response = client.post(f"/households/{hh.kong.pk}/reveal/", {"field": "phone", "reason": "电话回访"})
    assert response.status_code == 200 and hh.kong.phone in response.content.decode()
    assert Reveal.objects.filter(household=hh.kong, member__isnull=True, field="phone").exists()


def test_a_member_of_another_household_is_not_revealed_through_this_one(world, hh):
    client = _client(world, hh, "civil")
    other = next(m for m in hh.members if m.household_id == hh.yan.pk)
    response = client.post(
        f"/households/{hh.kong.pk}/reveal/", {"field": "identity", "member": other.pk, "reason": "核对"}
    )
    assert response.status_code == 400 and other.identity not in response.content.decode()
