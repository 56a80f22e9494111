"""The register's writes (zhili/households/registry.py) on bad input: a wrong identity number refused with its
sentence, a retired area code only a warning, one person never in two households (and the refusal naming the
other household only to who may read it), similar names (spaces, full-width forms) offered for review and never
merged silently; a review decided "same" archives the second without losing what it knew."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import person
from zhili.core.errors import Conflict, Refused
from zhili.core.models import AuditEntry
from zhili.households import registry
from zhili.households.models import Household, Member, NameReview, Relation, ReviewState, Sex
from zhili.people.scope import scope_for

HEAD = "370126195001011234"
WIFE = "370126195202022343"
SON = "370126198003033457"
CHILD = "370126201004044566"
YAN_HEAD = "370126196005055677"
RETIRED = "370121197006066784"  # 历城县: a code that no longer exists
BAD = "370126195001011235"  # HEAD with a wrong check character


@pytest.fixture
def civil(db):
    return person("demo-civil")


def act(who):
    return {"actor": who, "scope": scope_for(who)}


def household(world, who, region=None, number="H-1", **data) -> Household:
    return registry.do_save_household(
        None, {"region": region or world.kong, "number": number, **data}, sub=world.sub, **act(who)
    )


def add(h, who, name, identity="", relation=Relation.OTHER, **data):
    return registry.do_add_member(h, {"name": name, "identity": identity, "relation": relation, **data}, **act(who))


def test_a_household_is_added_changed_and_guarded_by_its_revision(world, civil):
    h = household(world, civil, address="孔家坊村 3 号", phone="138 0013 8000", housing_grade="C")
    assert (h.path, h.phone, h.housing_grade) == (world.kong.path, "13800138000", "C")
    assert AuditEntry.objects.filter(action="household.add", object_id=str(h.pk)).exists()
    h = registry.do_save_household(h, {"housing_grade": "B", "revision": h.revision}, **act(civil))
    assert h.housing_grade == "B" and h.revision == 2
    with pytest.raises(Conflict):
        registry.do_save_household(h, {"housing_grade": "A", "revision": 1}, **act(civil))
    with pytest.raises(ValidationError, match="A、B、C 或 D"):
        registry.do_save_household(h, {"housing_grade": "E"}, **act(civil))
    with pytest.raises(ValidationError, match="户编号 H-1 已被"):
        household(world, civil, number="H-1")


def test_a_village_cadre_adds_households_in_his_village_only(world):
    cadre = person("demo-village")
    assert household(world, cadre, number="K-1").region == world.kong
    with pytest.raises(Refused):
        household(world, cadre, region=world.yan, number="Y-1")


def test_the_identity_number_is_checked_and_gives_sex_and_birth(world, civil):
    h = household(world, civil)
    with pytest.raises(ValidationError, match="校验不通过"):
        add(h, civil, "张三", BAD, Relation.HEAD)
    saved = add(h, civil, "张三", HEAD, Relation.HEAD, sex=Sex.FEMALE)
    m = saved.member
    assert (m.sex, m.birth_date) == (Sex.MALE, datetime.date(1950, 1, 1))  # from the number, not what was typed
    assert saved.warnings == []
    old = add(h, civil, "李老四", RETIRED).member
    warned = registry.do_save_member(old, {"phone": "13900139000"}, **act(civil))
    assert Member.objects.get(pk=old.pk).identity == RETIRED
    child = add(h, civil, "小宝", "", Relation.CHILD, sex=Sex.FEMALE, birth_date=datetime.date(2015, 6, 1)).member
    assert (child.sex, child.birth_date) == (Sex.FEMALE, datetime.date(2015, 6, 1))  # typed: no number
    h.refresh_from_db()
    assert (h.head_name, h.member_count) == ("张三", 3)
    assert warned.warnings  # the retired code is said again to whoever saves it, never refused
    entry = AuditEntry.objects.filter(action="member.add", object_id=str(m.pk)).get()
    assert HEAD not in str(entry.changes)  # the log keeps numbers masked


def test_a_retired_area_code_is_a_warning_shown_to_the_person(world, civil):
    saved = add(household(world, civil), civil, "李老四", RETIRED, Relation.HEAD)
    assert saved.member.pk and any("370121" in w for w in saved.warnings)


def test_one_person_is_never_in_two_households(world, civil):
    kong = household(world, civil)
    add(kong, civil, "张三", HEAD, Relation.HEAD)
    with pytest.raises(ValidationError, match="已是这一户的成员"):
        add(kong, civil, "张三丰", HEAD)
    yan = household(world, civil, region=world.yan, number="Y-1")
    with pytest.raises(ValidationError) as seen:
        add(yan, civil, "张三", HEAD)
    assert "孔家坊村" in seen.value.messages[0] and "H-1" in seen.value.messages[0]
    # 阎桥's secretary may add to 阎桥, but must not learn where in 孔家坊 the number is
    with pytest.raises(ValidationError) as hidden:
        add(yan, world.outsider, "张三", HEAD)
    assert "孔家坊" not in hidden.value.messages[0] and "H-1" not in hidden.value.messages[0]
    assert "无权查看" in hidden.value.messages[0]
    with pytest.raises(ValidationError, match="已有户主"):
        add(kong, civil, "王五", WIFE, Relation.HEAD)


@pytest.mark.parametrize("variant", ["张 三", "张\u3000三", "ＡＢＣ", "Ａ Ｂ Ｃ"])
def test_similar_names_in_a_village_become_a_review_never_a_merge(world, civil, variant):
    base = "ABC" if "Ａ" in variant else "张三"
    first = add(household(world, civil), civil, base, HEAD, Relation.HEAD).member
    second_h = household(world, civil, number="H-2")
    saved = add(second_h, civil, variant, "", Relation.HEAD)
    assert [(r.first_id, r.second_id) for r in saved.reviews] == [(first.pk, saved.member.pk)]
    assert Member.objects.active().filter(pk__in=[first.pk, saved.member.pk]).count() == 2  # not merged
    # a different, present number on both sides tells them apart: paired only with the one without a number
    third = add(household(world, civil, number="H-3"), civil, variant, SON, Relation.HEAD)
    assert [(r.first_id, r.second_id) for r in third.reviews] == [(saved.member.pk, third.member.pk)]
    # another village is another village
    assert add(household(world, civil, region=world.yan, number="Y-9"), civil, base, "", Relation.HEAD).reviews == []


def test_a_review_decided_same_archives_the_second_and_keeps_its_facts(world, civil):
    first = add(household(world, civil), civil, "张三", "", Relation.HEAD, sex=Sex.MALE).member
    second = add(household(world, civil, number="H-2"), civil, "张 三", HEAD, Relation.HEAD, phone="13900139000")
    review = second.reviews[0]
    cadre = world.outsider
    with pytest.raises(Refused):
        registry.do_decide_review(review, same=True, **act(cadre))
    registry.do_decide_review(review, same=True, **act(civil))
    review.refresh_from_db()
    first.refresh_from_db()
    gone = Member.objects.get(pk=second.member.pk)
    assert review.state == ReviewState.SAME
    assert gone.archived_at is not None and gone.archived_reason.startswith("与张三")
    assert (first.identity, first.phone) == (HEAD, "13900139000")  # what the second knew is not lost
    assert first.birth_date is None or first.birth_date  # typed facts stay
    with pytest.raises(Conflict):
        registry.do_decide_review(review, same=False, **act(civil))


def test_a_review_decided_different_is_closed(world, civil):
    add(household(world, civil), civil, "张三", "", Relation.HEAD)
    saved = add(household(world, civil, number="H-2"), civil, "张三", "", Relation.HEAD)
    review = registry.do_decide_review(saved.reviews[0], same=False, **act(civil))
    assert review.state == ReviewState.DIFFERENT
    assert Member.objects.active().filter(name="张三").count() == 2
    assert NameReview.objects.filter(state=ReviewState.OPEN).count() == 0


def test_a_member_is_archived_with_a_reason(world, civil):
    h = household(world, civil)
    m = add(h, civil, "张三", HEAD, Relation.HEAD).member
    with pytest.raises(ValidationError, match="注销原因"):
        registry.do_archive_member(m, reason=" ", **act(civil))
    registry.do_archive_member(m, reason="迁出", **act(civil))
    h.refresh_from_db()
    assert h.member_count == 0
    # the number is free again: the person may join another household
    add(household(world, civil, region=world.yan, number="Y-1"), civil, "张三", HEAD, Relation.HEAD)


# ---- the pages -----------------------------------------------------------------------------------------------


def test_the_pages_add_a_household_and_its_members_on_a_phone_sized_form(world, as_persona):
    client = as_persona("village")
    page = client.get("/households/registry/new/")
    assert page.status_code == 200 and "阎桥村" not in page.content.decode()  # only where he may register
    response = client.post("/households/registry/new/", {"region": world.kong.pk, "number": "P-1", "phone": "abc"})
    assert response.status_code == 400 and "不是电话号码" in response.content.decode()
    response = client.post("/households/registry/new/", {"region": world.kong.pk, "number": "P-1"})
    h = Household.objects.get(number="P-1")
    assert response.status_code == 302 and response["Location"].endswith(f"/households/registry/{h.pk}/")
    bad = client.post(
        f"/households/registry/{h.pk}/members/new/", {"name": "张三", "identity": BAD, "relation": "head"}
    )
    assert bad.status_code == 400 and "校验不通过" in bad.content.decode()
    ok = client.post(
        f"/households/registry/{h.pk}/members/new/",
        {"name": "李老四", "identity": RETIRED, "relation": "head"},
        follow=True,
    )
    body = ok.content.decode()
    assert "370121" in body and "已接受" in body  # the retired code: a warning shown, not a refusal
    assert RETIRED not in body  # the household page masks numbers
    m = Member.objects.get(identity=RETIRED)
    # the member's form shows the number masked; saved as shown, the number stays
    form = client.get(f"/households/registry/members/{m.pk}/")
    assert RETIRED not in form.content.decode()
    client.post(
        f"/households/registry/members/{m.pk}/",
        {"name": "李老四", "identity": "370121********6784", "relation": "head", "phone": "13900139000", "revision": 1},
    )
    m.refresh_from_db()
    assert (m.identity, m.phone, m.revision) == (RETIRED, "13900139000", 2)
    conflict = client.post(f"/households/registry/members/{m.pk}/", {"name": "李四", "relation": "head", "revision": 1})
    assert conflict.status_code == 409


def test_the_review_page_shows_pairs_masked_and_decides(world, civil, as_persona):
    add(household(world, civil), civil, "张三", HEAD, Relation.HEAD)
    saved = add(household(world, civil, number="H-2"), civil, "张 三", "", Relation.HEAD)
    review = saved.reviews[0]
    outsider = as_persona("outsider").get("/households/registry/reviews/").content.decode()
    assert "张 三" not in outsider  # another village's pairs are not his
    client = as_persona("village")
    body = client.get("/households/registry/reviews/").content.decode()
    assert "张 三" in body and HEAD not in body and "370126********1234" in body
    response = client.post(f"/households/registry/reviews/{review.pk}/", {"same": "1"})
    assert response.status_code == 302
    assert Member.objects.get(pk=saved.member.pk).archived_reason.startswith("与张三")


def test_the_export_button_posts_and_is_audited(world, civil, as_persona):
    add(household(world, civil), civil, "张三", HEAD, Relation.HEAD)
    client = as_persona("civil")
    assert client.get("/households/registry/export/").status_code == 200
    before = AuditEntry.objects.filter(action="households.export").count()
    response = client.post("/households/registry/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEntry.objects.filter(action="households.export").count() == before + 1
    assert as_persona("village").post("/households/registry/export/").status_code == 403
