"""The weekly bulletin's pages (周通报), under /bulletins/: the archive of every week, a week (its latest version a
reader may open; printable), one version, building / correcting and publishing, the downloads, and the setup
(issuer, schedule, robots, score weights). Each view parses (forms.py: a bad value is a 400 with its sentence),
fetches through scope (404 outside it; a draft is not found by those who may not build), calls an action or a
query, renders. The week page renders the snapshot's frozen data — nothing is read from the other apps."""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.bulletins import actions, queries, scoring, snapshot
from zhili.bulletins.forms import BuildForm, SetupForm, WeightsForm, errors_of
from zhili.bulletins.models import BulletinSetup, Snapshot, SnapshotStatus
from zhili.core import clock
from zhili.core.errors import Conflict, Invalid, NotFound, Refused, require
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint
from zhili.regions.models import Region

FORMAT_LABELS = {"docx": "Word", "xlsx": "Excel", "md": "Markdown", "html": "HTML"}


def _setup(request: HttpRequest) -> tuple[Region, BulletinSetup, bool]:
    """The subdistrict the person reads bulletins of, its setup, and whether they build them (drafts too)."""
    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None
    require(policy.read_bulletins(request.scope, sub), _("无权查看该街道的周通报。"))
    setup = queries.setup_of(sub)
    return sub, setup, policy.build_bulletins(request.scope, setup)


def _week(text: str) -> str:
    try:
        year, num, _m, _s = snapshot.parse_week(text)
    except Invalid:
        raise NotFound(_("不存在或无权查看。")) from None
    return f"{year}-W{num:02d}"


def _downloads(snap: Snapshot) -> list[dict]:
    return [
        {
            "fmt": fmt,
            "label": label,
            "url": reverse("bulletins:download", args=[snap.week, snap.version, fmt]),
        }
        for fmt, label in FORMAT_LABELS.items()
    ]


@require_GET
def archive(request: HttpRequest) -> HttpResponse:
    """通报: every week, newest first, each with its versions, status and downloads; the builders' form."""
    sub, setup, builds = _setup(request)
    weeks = queries.weeks_of(sub, drafts=builds)
    for w in weeks:
        w["downloads"] = _downloads(w["latest"])
    form = BuildForm(initial={"week": snapshot.week_of(clock.today())})
    return render(
        request,
        "bulletins/archive.html",
        {
            "sub": sub,
            "setup": setup,
            "weeks": weeks,
            "builds": builds,
            "form": form,
            "configures": policy.configure_bulletins(request.scope, sub),
            "reviews": request.scope.can_read(sub.path),  # the review meetings name every village: its readers
        },
    )


def change_text(change: int | None) -> str:
    """↑2, ↓1, 持平; nothing the first week."""
    if change is None:
        return ""
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return _("持平")


def _moment(text: str | None) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _render_week(request: HttpRequest, snap: Snapshot, builds: bool, *, status: int = 200, errors=None, form=None):
    sub = snap.region
    versions = [s for s in queries.snapshots_of(sub, drafts=builds) if s.week == snap.week]
    data = snap.data
    latest = versions[0] if versions else snap
    keys = [c["key"] for c in data.get("formula", {}).get("components", [])]
    rows = [
        {"v": v, "cells": [v["components"].get(k) for k in keys], "change": change_text(v.get("change"))}
        for v in data.get("villages", [])
    ]
    return render(
        request,
        "bulletins/week.html",
        {
            "snap": snap,
            "data": data,
            "sub": sub,
            "versions": versions,
            "is_latest": latest.pk == snap.pk,
            "builds": builds,
            "downloads": _downloads(snap),
            "rows": rows,
            "built_at": _moment(data.get("built_at")),
            "form": form or BuildForm(initial={"week": snap.week}),
            "errors": errors or [],
            "published": snap.status == SnapshotStatus.PUBLISHED,
            "draft": snap.status == SnapshotStatus.DRAFT,
        },
        status=status,
    )


@require_GET
def week(request: HttpRequest, week: str) -> HttpResponse:
    """A week's bulletin: its newest version for its builders, its published one for everyone else."""
    sub, _unused, builds = _setup(request)
    snap = queries.latest_version(sub, _week(week), drafts=builds)
    if snap is None:
        raise NotFound(_("该周的通报尚未发布。"))
    snap.region = sub
    return _render_week(request, snap, builds)


@require_GET
def version(request: HttpRequest, week: str, version: int) -> HttpResponse:
    sub, _unused, builds = _setup(request)
    snap = queries.get_version_or_404(sub, _week(week), version, drafts=builds)
    return _render_week(request, snap, builds)


@require_POST
def build(request: HttpRequest) -> HttpResponse:
    """生成 a week (version 1, a draft rebuilt) or 更正 a published one (with its note)."""
    sub, setup, builds = _setup(request)
    require(builds, _("只有街道领导、系统管理员或牵头科室的工作人员可以生成和发布周通报。"))
    form = BuildForm(request.POST)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    d = form.cleaned_data
    try:
        snap = actions.do_build_snapshot(setup, d["week"], actor=request.user, scope=request.scope, note=d["note"])
    except Refused:
        raise
    except Conflict:
        raise
    except Invalid as exc:
        latest = queries.latest_version(sub, d["week"], drafts=True)
        if latest is None:
            raise
        return _render_week(request, latest, builds, status=400, errors=exc.messages, form=form)
    messages.success(
        request, _("已生成 %(week)s 通报第 %(v)s 版（草稿），核对后请发布。") % {"week": snap.week, "v": snap.version}
    )
    return redirect("bulletins:version", snap.week, snap.version)


@require_POST
def publish(request: HttpRequest, week: str, version: int) -> HttpResponse:
    sub, _unused, builds = _setup(request)
    snap = queries.get_version_or_404(sub, _week(week), version, drafts=builds)
    actions.do_publish_snapshot(snap, actor=request.user, scope=request.scope)
    messages.success(request, _("已发布 %(week)s 通报第 %(v)s 版。") % {"week": snap.week, "v": snap.version})
    return redirect("bulletins:version", snap.week, snap.version)


@require_GET
def download(request: HttpRequest, week: str, version: int, fmt: str) -> HttpResponse:
    """The bulletin as a file (rendered from its frozen data), audited."""
    sub, _unused, builds = _setup(request)
    if fmt not in FORMAT_LABELS:
        raise NotFound(_("不存在或无权查看。"))
    snap = queries.get_version_or_404(sub, _week(week), version, drafts=builds)
    content, filename, content_type = actions.do_export_snapshot(snap, fmt, actor=request.user, scope=request.scope)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ---- setup ---------------------------------------------------------------------------------------------------


def _weights_form(sub: Region, year: int, data=None) -> WeightsForm:
    scheme = queries.scheme_of(sub, year)
    weights = scoring.normalise(scheme.weights if scheme else None)
    initial = {"year": year, "revision": scheme.revision if scheme else None, **weights}
    return WeightsForm(data, initial=initial)


def _setup_form(setup: BulletinSetup, data=None) -> SetupForm:
    initial = {
        f: getattr(setup, f)
        for f in ("title", "issuer", "number_prefix", "weekday", "at", "scheduled", "send_on_publish")
    }
    form = SetupForm(data, initial={**initial, "revision": setup.revision})
    for key in actions.SECRET_FIELDS:  # never shown in full: the last 4 characters as a hint; empty keeps it
        saved = getattr(setup, key)
        form.fields[key].help_text = (
            _("已设置（%(tail)s），留空则保持不变") % {"tail": actions.mask(saved)} if saved else _("未设置")
        )
    return form


@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest) -> HttpResponse:
    """通报设置: the issuer, the number, the schedule, the robots (masked) and the year's score weights."""
    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None
    require(policy.configure_bulletins(request.scope, sub), _("只有街道领导或系统管理员可以修改通报设置。"))
    setup = queries.setup_of(sub)
    year = clock.today().year
    which = request.POST.get("form") if request.method == "POST" else None
    setup_form = _setup_form(setup, request.POST if which == "setup" else None)
    weights_form = _weights_form(sub, year, request.POST if which == "weights" else None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = weights_form if which == "weights" else setup_form
        if which not in ("setup", "weights") or not form.is_valid():
            errors, status = (errors_of(form) or [_("提交的内容无效。")]), 400
        else:
            d = form.cleaned_data
            try:
                if which == "setup":
                    actions.do_update_setup(
                        setup,
                        {k: v for k, v in d.items() if k != "revision"},
                        actor=request.user,
                        scope=request.scope,
                        revision=d["revision"],
                    )
                else:
                    actions.do_set_weights(
                        sub,
                        d["year"],
                        {k: d[k] for k in scoring.KEYS},
                        actor=request.user,
                        scope=request.scope,
                        revision=d["revision"],
                    )
            except Conflict as exc:
                errors, status = exc.messages, 409
            except Refused:
                raise
            except Invalid as exc:
                errors, status = exc.messages, 400
            else:
                messages.success(request, _("已保存通报设置。") if which == "setup" else _("已保存评分权重。"))
                return redirect("bulletins:setup")
    return render(
        request,
        "bulletins/setup.html",
        {
            "sub": sub,
            "setup": setup,
            "setup_form": setup_form,
            "weights_form": weights_form,
            "year": year,
            "errors": errors,
            "formula": scoring.formula(scoring.weights_of(sub, year)),
        },
        status=status,
    )
