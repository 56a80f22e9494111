"""`zhili ledger`: the command finds the ledger and the subdistrict the way the pages do (queries.ledgers_for,
scope.viewpoint), and asks for --region only when the person works in more than one subdistrict."""

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from zhili.ledgers.models import Ledger
from zhili.people.models import Person


@pytest.fixture
def definition(tmp_path):
    path = tmp_path / "wells.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "code": "wells",
                "name": "机井台账",
                "level": "village",
                "fields": [
                    {"key": "village", "label": "村", "type": "region", "required": True},
                    {"key": "count", "label": "机井数", "type": "integer"},
                ],
            },
            allow_unicode=True,
        )
    )
    return path


def test_a_leader_defines_a_ledger_in_their_own_subdistrict(world, definition, capsys):
    call_command("ledger", "define", str(definition), "--user", "demo-leader")
    assert Ledger.objects.get(code="wells").region == world.sub
    assert "已新建台账“机井台账”" in capsys.readouterr().out


def test_someone_who_sees_several_subdistricts_names_one(world, definition):
    Person.objects.create(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(CommandError, match="--region"):
        call_command("ledger", "define", str(definition), "--user", "root")
    call_command("ledger", "define", str(definition), "--user", "root", "--region", world.sub.code)
    assert Ledger.objects.get(code="wells").region == world.sub


def test_a_ledger_outside_the_persons_subdistricts_is_not_found(world, tmp_path):
    with pytest.raises(CommandError, match="不存在或不在您的权限范围内"):
        call_command("ledger", "export", "no-such-ledger", "-o", str(tmp_path / "x.xlsx"), "--user", "demo-village")
    call_command("ledger", "export", "gas-conversion", "-o", str(tmp_path / "x.xlsx"), "--user", "demo-village")
    assert (tmp_path / "x.xlsx").stat().st_size > 0
