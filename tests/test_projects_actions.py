"""Projects' own writes: the subdistrict's tax setup and key enterprises' requests as cases of the loop."""

from __future__ import annotations

import pytest

from tests.conftest import person
from zhili.cases.models import Case, Category, State
from zhili.core.errors import Invalid, Refused
from zhili.core.models import AuditEntry
from zhili.people.scope import scope_for
from zhili.projects import actions, queries
from zhili.projects.models import Enterprise, EnterpriseRequest


def _setup(world):
    leader = person("demo-leader")
    return actions.do_save_setup(world.sub, {}, actor=leader, scope=scope_for(leader))


def test_the_setup_defaults_to_the_district_and_its_economy_office(world):
    setup = queries.setup_of(world.sub)
    assert setup.pk is None or setup.county_code == "370115"
    assert setup.county_code == "370115" and setup.unit.code == "economy"
    before = setup.revision if setup.pk else 0  # the demo saves it once (zhili/demo/projects2020.py)
    saved = _setup(world)
    assert saved.pk and saved.revision == before + 1
    assert Category.objects.filter(subdistrict=world.sub, code__startswith="enterprise-").count() == 5


def test_only_leaders_or_admins_change_the_setup(world):
    economy = person("demo-economy")
    with pytest.raises(Refused):
        actions.do_save_setup(world.sub, {}, actor=economy, scope=scope_for(economy))


def test_a_bad_county_is_a_sentence(world):
    leader = person("demo-leader")
    with pytest.raises(Invalid, match="项目所在县"):
        actions.do_save_setup(world.sub, {"county_code": "370100"}, actor=leader, scope=scope_for(leader))


def test_a_request_is_a_case_routed_to_the_office_in_charge(world):
    _setup(world)
    economy = person("demo-economy")
    scope = scope_for(economy)
    ent = actions.do_save_enterprise(
        world.sub,
        {"uscc": "91370100MA3C4XJ43J", "name": "测试机械有限公司", "region": world.kong, "is_key": True},
        actor=economy,
        scope=scope,
    )
    request = actions.do_add_request(ent, kind="power", description="增容 400 千伏安", actor=economy, scope=scope)
    case = Case.objects.get(pk=request.case_id)
    assert case.state == State.REPORTED and case.category.code == "enterprise-power"
    assert case.region == world.kong and "测试机械有限公司" in case.description
    assert AuditEntry.objects.filter(action="enterprise.request").exists()


def test_a_village_cadre_records_no_request_for_an_enterprise_he_does_not_serve(world):
    _setup(world)
    economy = person("demo-economy")
    ent = actions.do_save_enterprise(
        world.sub,
        {"uscc": "91370100MA3C4XJ43J", "name": "测试机械有限公司", "region": world.kong},
        actor=economy,
        scope=scope_for(economy),
    )
    cadre = person("demo-village")
    with pytest.raises(Refused):
        actions.do_add_request(ent, kind="land", description="用地", actor=cadre, scope=scope_for(cadre))
    assert not EnterpriseRequest.objects.filter(enterprise=ent).exists()
    assert Enterprise.objects.filter(uscc="91370100MA3C4XJ43J").count() == 1
