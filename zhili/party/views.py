"""Party-building pages (党建), under /party/: the overview of branches × meeting types with their lights, a
branch (members, meetings, what is missing), the meeting and member forms, the integrity-talk log, the 头雁 roster
and the setup. Each view parses (forms.py), fetches through scope (404 outside it), calls a query or an action,
renders; a refused action escapes to ErrorMiddleware, a bad value or a stale form re-shows the form with its
sentence (400, 409)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import clock
from zhili.core.errors import Conflict, Invalid, NotFound, Refused, require
from zhili.party import actions, queries
from zhili.party.forms import (
    ArchiveForm,
    GooseForm,
    MeetingForm,
    MemberForm,
    OverviewForm,
    SetupForm,
    TalkForm,
    YearForm,
    errors_of,
)
from zhili.party.models import MeetingKind, PartySetup
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import NoViewpoint, viewpoint
from zhili.regions.models import Region
from zhili.targets import evidence


def _sub(request: HttpRequest) -> Region:
    try:
        return viewpoint(request.scope).sub
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None


def _valid(form):
    if not form.is_valid():
        raise Invalid(errors_of(form))
    return form


def _submit(form, save) -> tuple[object | None, list[str], int]:
    """(what `save(form)` saved, [], 200), or (None, the sentences, 400 or 409). A refusal escapes."""
    if not form.is_valid():
        return None, errors_of(form), 400
    try:
        return save(form), [], 200
    except Refused:
        raise
    except Conflict as exc:
        return None, exc.messages, 409
    except Invalid as exc:
        return None, exc.messages, 400


def _rights(request: HttpRequest, setup: PartySetup) -> dict:
    return {
        "can_manage": policy.manage_party(request.scope, setup),
        "can_setup": policy.configure_party(request.scope, setup.region),
    }


# ---- the overview and a branch -------------------------------------------------------------------------------


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    sub = _sub(request)
    setup = queries.setup_of(sub)
    form = _valid(OverviewForm(request.GET))
    year = form.year_or_today()
    village = None
    if form.cleaned_data["village"]:
        village = queries.village_of(request.scope, sub, form.cleaned_data["village"])
    rows = queries.compliance_rows(queries.branches(request.scope, sub, village=village), sub, year)
    counts = {state: sum(1 for r in rows if r.light.state == state) for state in ("green", "yellow", "red")}
    if form.cleaned_data["light"]:
        rows = [r for r in rows if r.light.state == form.cleaned_data["light"]]
    return render(
        request,
        "party/overview.html",
        {
            "sub": sub,
            "year": year,
            "rows": rows,
            "counts": counts,
            "kinds": MeetingKind.choices,
            "rules": queries.rules_of(sub),
            "villages": queries.villages(request.scope, sub),
            "q": request.GET,
            "today": clock.today(),
            **_rights(request, setup),
        },
    )


@require_GET
def branch(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.get_branch_or_404(request.scope, pk)
    sub = found.region.parent
    setup = queries.setup_of(sub)
    year = _valid(YearForm(request.GET)).year_or_today()
    row = queries.compliance_rows(queries.branches(request.scope, sub, village=found.region), sub, year)[0]
    return render(
        request,
        "party/branch.html",
        {
            "branch": found,
            "row": row,
            "year": year,
            "members": queries.branch_members(found),
            "meetings": queries.branch_meetings(found, year),
            "can_keep": policy.keep_branch(request.scope, setup, found),
            "rules": queries.rules_of(sub),
        },
    )


# ---- meetings ----------------------------------------------------------------------------------------------------


def _meeting_form(request, found, *, meeting=None) -> HttpResponse:
    setup = queries.setup_of(found.region.parent)
    require(
        policy.keep_branch(request.scope, setup, found),
        _("您无权为“%(branch)s”记录会议：只有本村干部和街道党建负责人可以记录。") % {"branch": found.name},
    )
    members = list(queries.branch_members(found))
    if request.method == "POST":
        form = MeetingForm(request.POST, request.FILES, members=members)

        def save(form):
            data = {**form.cleaned_data}
            return actions.do_save_meeting(found, data, actor=request.user, scope=request.scope, meeting=meeting)

        saved, problems, status = _submit(form, save)
        if saved is not None:
            messages.success(request, _("已记录%(meeting)s。") % {"meeting": saved})
            return redirect("party:branch", pk=found.pk)
    else:
        initial = {"day": clock.today().isoformat(), "attendees": [str(m.pk) for m in members]}
        if meeting is not None:
            initial = {
                "revision": meeting.revision,
                "kind": meeting.kind,
                "day": meeting.day.isoformat(),
                "topic": meeting.topic,
                "attendees": [str(m.pk) for m in queries.meeting_attendees(meeting)],
            }
        form, problems, status = MeetingForm(initial=initial, members=members), [], 200
    return render(
        request,
        "party/meeting_form.html",
        {"branch": found, "meeting": meeting, "form": form, "problems": problems},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_form(request, queries.get_branch_or_404(request.scope, pk))


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = queries.get_meeting_or_404(request.scope, pk)
    return _meeting_form(request, meeting.branch, meeting=meeting)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = queries.get_meeting_or_404(request.scope, pk)
    setup = queries.setup_of(meeting.branch.region.parent)
    return render(
        request,
        "party/meeting.html",
        {
            "meeting": meeting,
            "branch": meeting.branch,
            "attendees": queries.meeting_attendees(meeting),
            "can_keep": policy.keep_branch(request.scope, setup, meeting.branch),
        },
    )


class _Minutes:
    """What targets/evidence.response reads of a stored file."""

    def __init__(self, meeting):
        self.file, self.name, self.content_type = meeting.minutes, meeting.minutes_name, meeting.minutes_type


@require_GET
def minutes(request: HttpRequest, pk: int) -> FileResponse:
    meeting = queries.get_meeting_or_404(request.scope, pk)
    if not meeting.minutes:
        raise NotFound(_("该会议没有上传会议记录。"))
    return evidence.response(_Minutes(meeting))


# ---- members ------------------------------------------------------------------------------------------------------


def _member_form(request, found, *, member=None) -> HttpResponse:
    setup = queries.setup_of(found.region.parent)
    require(
        policy.keep_branch(request.scope, setup, found),
        _("您无权修改“%(branch)s”的党员名册：只有本村干部和街道党建负责人可以修改。") % {"branch": found.name},
    )
    if request.method == "POST":
        form = MemberForm(request.POST)
        saved, problems, status = _submit(
            form,
            lambda form: actions.do_save_member(
                found, form.cleaned_data, actor=request.user, scope=request.scope, member=member
            ),
        )
        if saved is not None:
            messages.success(request, _("已保存党员“%(name)s”。") % {"name": saved})
            return redirect("party:branch", pk=found.pk)
    else:
        initial = {"joined": ""}
        if member is not None:
            initial = {
                "revision": member.revision,
                "name": member.name,
                "sex": member.sex,
                "joined": member.joined.isoformat(),
                "status": member.status,
                "phone": member.phone,
            }
        form, problems, status = MemberForm(initial=initial), [], 200
    return render(
        request,
        "party/member_form.html",
        {"branch": found, "member": member, "form": form, "problems": problems, "archive": ArchiveForm()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def member_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_form(request, queries.get_branch_or_404(request.scope, pk))


@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = queries.get_member_or_404(request.scope, pk)
    return _member_form(request, member.branch, member=member)


@require_POST
def member_archive(request: HttpRequest, pk: int) -> HttpResponse:
    member = queries.get_member_or_404(request.scope, pk)
    form = _valid(ArchiveForm(request.POST))
    actions.do_archive_member(member, reason=form.cleaned_data["reason"], actor=request.user, scope=request.scope)
    messages.success(request, _("已将“%(name)s”移出党员名册。") % {"name": member.name})
    return redirect("party:branch", pk=member.branch_id)


# ---- integrity talks, 头雁, setup ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def talks(request: HttpRequest) -> HttpResponse:
    sub = _sub(request)
    setup = queries.setup_of(sub)
    year = _valid(YearForm(request.GET)).year_or_today()
    villages = list(queries.villages(request.scope, sub))
    problems, status = [], 200
    form = TalkForm(initial={"day": clock.today().isoformat()}, villages=villages)
    if request.method == "POST":
        require(policy.manage_party(request.scope, setup), _("只有街道党建负责人可以记录廉政谈话，未作任何记录。"))
        form = TalkForm(request.POST, villages=villages)

        def save(form):
            village = queries.village_of(request.scope, sub, form.cleaned_data["village"])
            return actions.do_record_talk(village, form.cleaned_data, actor=request.user, scope=request.scope)

        saved, problems, status = _submit(form, save)
        if saved is not None:
            messages.success(request, _("已记录与%(name)s的廉政谈话。") % {"name": saved.person_name})
            return redirect("party:talks")
    return render(
        request,
        "party/talks.html",
        {
            "sub": sub,
            "year": year,
            "coverage": queries.talk_coverage(request.scope, sub, year),
            "form": form,
            "problems": problems,
            **_rights(request, setup),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def geese(request: HttpRequest) -> HttpResponse:
    sub = _sub(request)
    setup = queries.setup_of(sub)
    villages = list(queries.villages(request.scope, sub))
    problems, status = [], 200
    form = GooseForm(villages=villages)
    if request.method == "POST":
        require(policy.manage_party(request.scope, setup), _("只有街道党建负责人可以维护头雁队伍名册。"))
        form = GooseForm(request.POST, villages=villages)

        def save(form):
            village = queries.village_of(request.scope, sub, form.cleaned_data["village"])
            return actions.do_add_goose(village, form.cleaned_data, actor=request.user, scope=request.scope)

        saved, problems, status = _submit(form, save)
        if saved is not None:
            messages.success(request, _("已将%(name)s加入头雁队伍名册。") % {"name": saved.name})
            return redirect("party:geese")
    return render(
        request,
        "party/geese.html",
        {
            "sub": sub,
            "rows": queries.geese(request.scope, sub),
            "form": form,
            "problems": problems,
            **_rights(request, setup),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest) -> HttpResponse:
    sub = _sub(request)
    require(policy.configure_party(request.scope, sub), _("只有街道领导或系统管理员可以修改党建设置。"))
    setup = queries.setup_of(sub)
    units = list(Unit.objects.active().filter(region=sub).order_by("name"))
    rules = queries.rules_of(sub)
    problems, status = [], 200
    if request.method == "POST":
        form = SetupForm(request.POST, units=units)

        def save(form):
            data = form.cleaned_data
            unit = next((u for u in units if str(u.pk) == data["unit"]), None)
            frequencies = {kind: data[f"freq_{kind}"] for kind in MeetingKind.values}
            return actions.do_save_setup(
                sub,
                {"unit": unit, "frequencies": frequencies, "revision": data.get("revision")},
                actor=request.user,
                scope=request.scope,
            )

        saved, problems, status = _submit(form, save)
        if saved is not None:
            messages.success(request, _("党建设置已保存。"))
            return redirect("party:overview")
    else:
        initial = {"revision": setup.revision, "unit": str(setup.unit_id or "")}
        initial.update({f"freq_{k}": f for k, f in rules.items()})
        form = SetupForm(initial=initial, units=units)
    return render(request, "party/setup.html", {"sub": sub, "form": form, "problems": problems}, status=status)
