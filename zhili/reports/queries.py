"""Reads of the reports upward (上报), scoped, each in a fixed number of queries whatever the number of forms, cells
or villages: the catalogue (报表目录) with this period's status, light and burden; the burden (cells filled by
Zhili against cells typed by people) per form, per period and per year — the 一表通 figure; a filing's page with
what the viewer may do; one village's row; the todos of the home page.

The catalogue's light is `ReportLight` (zhili/reports/lights.py, re-exported here).

The burden counts the current filing of each period (its highest version not superseded): `auto` the cells Zhili
filled (Filing.auto_cells), `hand` the cells people typed or have to type (Filing.hand_cells); cells Zhili holds
no data for (缺数) are in neither until someone types them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core.errors import NotFound
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Region
from zhili.reports import bindings, periods
from zhili.reports.lights import ReportLight, light_of
from zhili.reports.models import (
    CellMap,
    Filing,
    FilingStatus,
    FilingStep,
    FilingValue,
    FilingVillage,
    FormVersion,
    MapState,
    Origin,
    ReportForm,
    Step,
)

__all__ = [
    "Burden",
    "Catalogue",
    "CatalogueRow",
    "Cell",
    "Detail",
    "ReportLight",
    "Row",
    "Todo",
    "blockers_of",
    "burden",
    "burden_by_period",
    "catalogue",
    "filing_detail",
    "forms_for",
    "get_filing_for_village_or_404",
    "get_filing_or_404",
    "get_form_or_404",
    "my_todos",
    "same_person_refusal",
    "village_row",
]

MAX_LISTED = 5  # a sentence names the first few of what is left, then the count


# ---- the burden ------------------------------------------------------------------------------------------------


@dataclass
class Burden:
    """Cells filled by Zhili (`auto`) against cells typed by people (`hand`)."""

    auto: int = 0
    hand: int = 0

    @property
    def share(self) -> Decimal | None:
        """auto ÷ (auto + hand), None when nothing was counted."""
        total = self.auto + self.hand
        return (Decimal(self.auto) / total) if total else None

    @property
    def percent(self) -> Decimal | None:
        share = self.share
        return (share * 100).quantize(Decimal("0.1")) if share is not None else None

    def __add__(self, other: Burden) -> Burden:
        return Burden(self.auto + other.auto, self.hand + other.hand)


def _current_filings(qs) -> dict[tuple[int, str], Filing]:
    """{(form id, period): the period's current filing} — the highest version not superseded."""
    out: dict[tuple[int, str], Filing] = {}
    for f in qs.exclude(status=FilingStatus.SUPERSEDED).order_by("form_id", "period", "-version"):
        out.setdefault((f.form_id, f.period), f)
    return out


def _year_filings(year: int, **lookup):
    return Filing.objects.filter(end__year=year, **lookup).only(
        "id", "form_id", "period", "version", "status", "auto_cells", "hand_cells", "missing_cells"
    )


def burden(subdistrict: Region, year: int) -> dict[int, Burden]:
    """{form id: Burden} of the periods ending in `year` (one query)."""
    out: dict[int, Burden] = {}
    for (form_id, _period), f in _current_filings(_year_filings(year, form__region=subdistrict)).items():
        out[form_id] = out.get(form_id, Burden()) + Burden(f.auto_cells, f.hand_cells)
    return out


def burden_by_period(form: ReportForm, year: int) -> dict[str, Burden]:
    """{period key: Burden} of the form's periods ending in `year` (one query)."""
    return {
        period: Burden(f.auto_cells, f.hand_cells)
        for (_form_id, period), f in _current_filings(_year_filings(year, form=form)).items()
    }


# ---- the catalogue ---------------------------------------------------------------------------------------------


@dataclass
class CatalogueRow:
    form: ReportForm
    period: periods.Period
    filing: Filing | None
    status_label: str
    light: ReportLight
    burden: Burden  # this period's
    needs_remap: int  # cells of the latest version moved or lost, not settled
    year_burden: Burden = field(default_factory=Burden)
    version: int | None = None  # the latest version's number (None: no file uploaded yet)


@dataclass
class Catalogue:
    rows: list[CatalogueRow]
    totals: Burden  # this period's, over every form
    year_totals: Burden  # the year's, over every form
    year: int = 0


def forms_for(scope: Scope, subdistrict: Region) -> list[ReportForm]:
    """The subdistrict's forms in use (not archived), by code — none for whoever may not read its reports."""
    if not policy.read_reports(scope, subdistrict):
        return []
    return list(
        ReportForm.objects.filter(region=subdistrict, archived_at__isnull=True)
        .select_related("region", "unit")
        .order_by("code")
    )


def _latest_versions(form_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """{form id: (latest version id, its number)} (one query, without the files)."""
    out: dict[int, tuple[int, int]] = {}
    for vid, form_id, number in (
        FormVersion.objects.filter(form_id__in=list(form_ids))
        .order_by("form_id", "-number")
        .values_list("id", "form_id", "number")
    ):
        out.setdefault(form_id, (vid, number))
    return out


def _unsettled(version_ids: Iterable[int]) -> dict[int, int]:
    """{version id: cells moved or lost, not settled} (one query)."""
    return dict(
        CellMap.objects.filter(version_id__in=list(version_ids), state__in=(MapState.MOVED, MapState.LOST))
        .values("version_id")
        .annotate(n=Count("id"))
        .values_list("version_id", "n")
    )


def status_label(filing: Filing | None) -> str:
    if filing is None:
        return _("未开始")
    return str(filing.get_status_display())


def _row(form, period, filing, today, latest, remap, year_burden) -> CatalogueRow:
    label = status_label(filing)
    due = filing.due if filing is not None else period.due(form.deadline_days)
    sent = filing is not None and filing.status == FilingStatus.SENT
    return CatalogueRow(
        form=form,
        period=period,
        filing=filing,
        status_label=label,
        light=light_of(due, sent, today, label),
        burden=Burden(filing.auto_cells, filing.hand_cells) if filing is not None else Burden(),
        needs_remap=remap,
        year_burden=year_burden,
        version=latest[1] if latest else None,
    )


def catalogue(scope: Scope, subdistrict: Region, today: datetime.date) -> Catalogue:
    """报表目录: each form in use with its current period (the latest ended by `today`), that period's filing,
    status, light and burden, the cells to re-map; the totals of this period and of the year (five queries)."""
    forms = forms_for(scope, subdistrict)
    if not forms:
        return Catalogue([], Burden(), Burden(), today.year)
    current = {f.pk: periods.current(f.frequency, today) for f in forms}
    latest = _latest_versions(current)
    remap = _unsettled(v for v, _n in latest.values())
    filings = _current_filings(
        Filing.objects.filter(form_id__in=list(current), period__in={p.key for p in current.values()})
    )
    years = burden(subdistrict, today.year)
    rows = []
    for form in forms:
        period = current[form.pk]
        version = latest.get(form.pk)
        rows.append(
            _row(
                form,
                period,
                filings.get((form.pk, period.key)),
                today,
                version,
                remap.get(version[0], 0) if version else 0,
                years.get(form.pk, Burden()),
            )
        )
    totals = sum((r.burden for r in rows), Burden())
    year_totals = sum((years.get(f.pk, Burden()) for f in forms), Burden())
    return Catalogue(rows, totals, year_totals, today.year)


def form_periods(scope: Scope, form: ReportForm, year: int, today: datetime.date) -> list[CatalogueRow]:
    """The form's periods of `year` that have started by `today`, newest first, each as a catalogue row (three
    queries)."""
    if not policy.read_reports(scope, form.region):
        return []
    shown = [p for p in periods.in_year(form.frequency, year) if p.start <= today]
    latest = _latest_versions([form.pk])
    version = latest.get(form.pk)
    remap = _unsettled([version[0]]).get(version[0], 0) if version else 0
    filings = _current_filings(Filing.objects.filter(form=form, period__in=[p.key for p in shown]))
    rows = []
    for period in reversed(shown):
        filing = filings.get((form.pk, period.key))
        b = Burden(filing.auto_cells, filing.hand_cells) if filing is not None else Burden()
        rows.append(_row(form, period, filing, today, version, remap, b))
    return rows


# ---- getting one, scoped ---------------------------------------------------------------------------------------


def get_form_or_404(scope: Scope, pk: int) -> ReportForm:
    form = ReportForm.objects.select_related("region", "unit").filter(pk=pk).first()
    if form is None or not policy.read_reports(scope, form.region):
        raise NotFound(_("不存在或无权查看。"))
    return form


def _filings():
    return Filing.objects.select_related("form__region", "form__unit", "form_version", "replaces")


def get_filing_or_404(scope: Scope, pk: int) -> Filing:
    """A filing, for whoever reads the subdistrict's reports (a village's cadre: through their row's page)."""
    filing = _filings().filter(pk=pk).first()
    if filing is None or not policy.read_reports(scope, filing.form.region):
        raise NotFound(_("不存在或无权查看。"))
    return filing


def get_filing_for_village_or_404(scope: Scope, pk: int, village_code: str) -> Filing:
    """A filing reached through one village's row: whoever reads that village, when the filing has its row."""
    row = (
        FilingVillage.objects.select_related("village")
        .filter(filing_id=pk, village__code=str(village_code)[:20])
        .first()
    )
    if row is None or not policy.read_report_row(scope, row.village):
        raise NotFound(_("不存在或无权查看。"))
    filing = _filings().get(pk=pk)
    return filing


# ---- the rules shared with the actions -------------------------------------------------------------------------


def listed(items: list[str]) -> str:
    shown = "、".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        return _("%(shown)s 等 %(count)s 处") % {"shown": shown, "count": len(items)}
    return shown


def is_hand(value: FilingValue) -> bool:
    return (value.cell_map.binding or {}).get("kind") == "hand"


def to_fill(value: FilingValue) -> bool:
    """A cell people must fill and have not: a hand cell, or one Zhili holds no data for — still empty."""
    return value.origin in (Origin.HAND, Origin.MISSING) and value.number is None and not value.text


def shown(value: FilingValue) -> str:
    """A value as written: its number without trailing zeros, or its text."""
    if value.number is not None:
        return format(value.number.normalize(), "f")
    return value.text


def cell_name(value: FilingValue) -> str:
    """ "阎桥村 改厕（户）／本月完成" or "D7（固定资产投资／本月）" — a cell as a sentence names it."""
    label = value.cell_map.label if value.cell_map_id else ""
    if value.village is not None:
        return f"{value.village.name} {label or value.ref}".strip()
    return f"{value.ref}（{label}）" if label else value.ref


def blockers_of(filing: Filing, values: list[FilingValue], rows: list[FilingVillage]) -> list[str]:
    """Why `filing` cannot be submitted yet (sentences; none when it can): figures never fetched, cells still
    empty, village rows with cells to fill not confirmed. `values` with their cell_map and village."""
    if filing.filled_at is None:
        return [_("还没有取数，请先取数。")]
    out = []
    empty = [cell_name(v) for v in sorted(values, key=lambda v: (v.village_id or 0, v.ref)) if to_fill(v)]
    if empty:
        out.append(_("还有 %(count)s 格未填写：%(cells)s。") % {"count": len(empty), "cells": listed(empty)})
    to_confirm = {
        v.village_id
        for v in values
        if v.village_id is not None and (is_hand(v) or v.origin in (Origin.HAND, Origin.MISSING))
    }
    names = [
        r.village.name
        for r in sorted(rows, key=lambda r: r.row)
        if r.village_id in to_confirm and r.confirmed_at is None
    ]
    if names:
        out.append(
            _("还有 %(count)s 个村居未确认本村数据：%(villages)s。") % {"count": len(names), "villages": listed(names)}
        )
    return out


def same_person_refusal(filing: Filing, actor_id: int | None, *, step: str, typists: set[int]) -> str:
    """The sentence refusing `actor_id` the review (step REVIEWED) or the approval (step APPROVED) of `filing`
    ("" when they may): who submitted or typed a value never reviews; who submitted, reviewed or typed never
    approves."""
    if actor_id is None:
        return ""
    if step == Step.REVIEWED:
        if actor_id == filing.submitted_by_id:
            return _("填报与审核须由不同的人完成：这份报表是您提交的，请由其他人审核。")
        if actor_id in typists:
            return _("填报与审核须由不同的人完成：这份报表中有您填写的数据，请由其他人审核。")
        return ""
    if actor_id == filing.submitted_by_id:
        return _("填报、审核与审批须由不同的人完成：这份报表是您提交的，请由其他领导审批。")
    if actor_id == filing.reviewed_by_id:
        return _("填报、审核与审批须由不同的人完成：这份报表是您审核的，请由其他领导审批。")
    if actor_id in typists:
        return _("填报、审核与审批须由不同的人完成：这份报表中有您填写的数据，请由其他领导审批。")
    return ""


# ---- a filing's page -------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One written cell as the pages show it."""

    value: FilingValue
    label: str  # the header words (CellMap.label)
    description: str  # where the figure comes from (bindings.describe)
    text: str  # the value as written ("" when empty)
    origin_label: str
    to_fill: bool  # people must still fill it
    may_enter: bool = False  # the viewer may type it now

    @property
    def ref(self) -> str:
        return self.value.ref


@dataclass
class Group:
    """The cells of one village's row (`village`), or the subdistrict's own cells (village None)."""

    village: Region | None
    confirmation: FilingVillage | None
    cells: list[Cell]

    @property
    def title(self) -> str:
        return self.village.name if self.village is not None else ""


@dataclass
class Detail:
    filing: Filing
    values: list[Cell]
    groups: list[Group]
    villages: list[FilingVillage]
    steps: list[FilingStep]
    versions: list[Filing]  # every version of the period, newest first
    blockers: list[str]  # why it cannot be submitted yet (while 填报中)
    needs_remap: int  # cells of the latest version of the form moved or lost (a new fetch waits for them)
    may_fill: bool = False  # fetch the figures again and type the subdistrict's cells (填报中)
    may_refetch: bool = False  # … and the mapping lets a new fetch run
    may_submit: bool = False
    may_review: bool = False
    may_approve: bool = False
    may_return: bool = False
    may_send: bool = False
    may_correct: bool = False
    may_download: bool = False
    why_not_review: str = ""  # the same-person sentence, when that is what stops the viewer
    why_not_approve: str = ""

    @property
    def newer(self) -> Filing | None:
        """The version after this one (a correction), if any."""
        later = [f for f in self.versions if f.version > self.filing.version]
        return later[-1] if later else None

    @property
    def is_current(self) -> bool:
        return not self.versions or self.versions[0].pk == self.filing.pk


def _cells(values: list[FilingValue], may_enter) -> list[Cell]:
    out = []
    described: dict[int, str] = {}  # by cell map: a column's description once for all its villages
    for v in values:
        if v.cell_map_id not in described:
            described[v.cell_map_id] = bindings.describe(v.cell_map.binding) if v.cell_map.binding else ""
        description = described[v.cell_map_id]
        enterable = v.origin in (Origin.HAND, Origin.MISSING) and may_enter(v)
        out.append(
            Cell(
                value=v,
                label=v.cell_map.label or v.ref,
                description=description,
                text=shown(v),
                origin_label=str(Origin(v.origin).label),
                to_fill=to_fill(v),
                may_enter=enterable,
            )
        )
    return out


def _values_of(filing: Filing, **lookup) -> list[FilingValue]:
    return list(
        FilingValue.objects.filter(filing=filing, **lookup)
        .select_related("cell_map", "village", "entered_by")
        .order_by("village__code", "pk")
    )


def filing_detail(scope: Scope, filing: Filing) -> Detail:
    """A filing's page: its values with their labels and sources (grouped: the subdistrict's own cells, then
    each village's row), the villages' confirmations, the steps, the period's versions, and what the viewer may
    do — from policy and the same-person rules, so a button shows only when it would work (six queries)."""
    form = filing.form
    values = _values_of(filing)
    rows = list(FilingVillage.objects.filter(filing=filing).select_related("village", "confirmed_by").order_by("row"))
    steps = list(FilingStep.objects.filter(filing=filing).select_related("actor", "village").order_by("at", "pk"))
    versions = list(
        Filing.objects.filter(form=form, period=filing.period)
        .only("id", "form_id", "period", "version", "status", "correction_reason")
        .order_by("-version")
    )
    latest = _latest_versions([form.pk]).get(form.pk)
    remap = _unsettled([latest[0]]).get(latest[0], 0) if latest else 0
    status = filing.status
    filling = status == FilingStatus.FILLING
    prepares = policy.prepare_reports(scope, form) and form.archived_at is None
    is_current = not versions or versions[0].pk == filing.pk
    typists = {v.entered_by_id for v in values if v.entered_by_id is not None}
    me = scope.person_id
    detail = Detail(
        filing=filing,
        values=[],
        groups=[],
        villages=rows,
        steps=steps,
        versions=versions,
        blockers=blockers_of(filing, values, rows) if filling else [],
        needs_remap=remap,
    )
    detail.may_fill = filling and prepares
    detail.may_refetch = detail.may_fill and remap == 0
    detail.may_submit = detail.may_fill and not detail.blockers
    if status == FilingStatus.REVIEW and policy.review_report(scope, form):
        detail.why_not_review = same_person_refusal(filing, me, step=Step.REVIEWED, typists=typists)
        detail.may_review = not detail.why_not_review
        detail.may_return = True
    if status == FilingStatus.APPROVAL and policy.approve_report(scope, form):
        detail.why_not_approve = same_person_refusal(filing, me, step=Step.APPROVED, typists=typists)
        detail.may_approve = not detail.why_not_approve
        detail.may_return = True
    detail.may_send = status == FilingStatus.APPROVED and prepares
    detail.may_correct = (
        status in (FilingStatus.APPROVED, FilingStatus.SENT)
        and is_current
        and (prepares or policy.approve_report(scope, form))
    )
    detail.may_download = policy.read_reports(scope, form.region)

    village_rights: dict[int, bool] = {}

    def may_enter(v: FilingValue) -> bool:
        if not filling:
            return False
        village = v.village
        if village is None:
            return prepares
        if village.pk not in village_rights:
            village_rights[village.pk] = policy.fill_report_row(scope, form, village)
        return village_rights[village.pk]

    cells = _cells(values, may_enter)
    detail.values = cells
    by_village = {r.village_id: r for r in rows}
    groups: dict[int | None, Group] = {}
    own = [c for c in cells if c.value.village_id is None]
    if own:
        groups[None] = Group(None, None, own)
    for r in rows:
        groups[r.village_id] = Group(r.village, r, [])
    for c in cells:
        vid = c.value.village_id
        if vid is None:
            continue
        if vid not in groups:
            groups[vid] = Group(c.value.village, by_village.get(vid), [])
        groups[vid].cells.append(c)
    detail.groups = list(groups.values())
    return detail


# ---- one village's row -----------------------------------------------------------------------------------------


@dataclass
class Row:
    filing: Filing
    village: Region
    confirmation: FilingVillage | None
    cells: list[Cell]
    left: list[str]  # cells still to fill ("改厕（户）／本月完成")
    may_enter: bool
    may_confirm: bool

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None and self.confirmation.confirmed_at is not None

    @property
    def returned_note(self) -> str:
        return self.confirmation.returned_note if self.confirmation is not None else ""


def village_row(scope: Scope, filing: Filing, village: Region) -> Row:
    """The cells of one village's row with their labels, for the village's page (two queries): whoever reads
    the village; typing and confirming for its cadres (and whoever prepares the form) while 填报中."""
    if not policy.read_report_row(scope, village):
        raise NotFound(_("不存在或无权查看。"))
    confirmation = FilingVillage.objects.filter(filing=filing, village=village).select_related("confirmed_by").first()
    if confirmation is None:
        raise NotFound(_("不存在或无权查看。"))
    values = _values_of(filing, village=village)
    may_enter = filing.status == FilingStatus.FILLING and policy.fill_report_row(scope, filing.form, village)
    cells = _cells(values, lambda v: may_enter)
    left = [c.label for c in cells if c.to_fill]
    return Row(
        filing=filing,
        village=village,
        confirmation=confirmation,
        cells=cells,
        left=left,
        may_enter=may_enter,
        may_confirm=may_enter and confirmation.confirmed_at is None and not left,
    )


# ---- the home page's todos -------------------------------------------------------------------------------------


@dataclass
class Todo:
    """One filing waiting for this person's step."""

    kind: str  # 待填报 / 待确认 / 待审核 / 待审批 / 已退回
    title: str
    url: str
    filing: Filing
    village: Region | None = None
    detail: str = ""
    due: datetime.date | None = None


def my_todos(scope: Scope, person: Person | None) -> list[Todo]:
    """Filings waiting for `person`'s step: their village's row to fill or confirm, a filing to fill and submit
    (the office in charge; returned ones say so), to review, to approve — never one they may not take (the
    same-person rules). At most five queries."""
    me = person.pk if person is not None and person.pk else None
    open_filings = list(
        Filing.objects.filter(status__in=(FilingStatus.FILLING, FilingStatus.REVIEW, FilingStatus.APPROVAL))
        .filter(form__archived_at__isnull=True)
        .filter(scope.q("form__region__path") | _cadre_q(scope))
        .select_related("form__region", "form__unit")
        .distinct()
        .order_by("due", "form__code", "period")
    )
    if not open_filings:
        return []
    ids = [f.pk for f in open_filings]
    typed: dict[int, set[int]] = {}
    for filing_id, who in (
        FilingValue.objects.filter(filing_id__in=ids, entered_by__isnull=False)
        .values_list("filing_id", "entered_by_id")
        .distinct()
    ):
        typed.setdefault(filing_id, set()).add(who)
    returned = set(FilingStep.objects.filter(filing_id__in=ids, step=Step.RETURNED).values_list("filing_id", flat=True))
    rows: dict[int, list[FilingVillage]] = {}
    if scope.cadre_paths:
        to_type = set(
            FilingValue.objects.filter(
                filing_id__in=ids, village__isnull=False, origin__in=(Origin.HAND, Origin.MISSING)
            ).values_list("filing_id", "village_id")
        )
        for r in FilingVillage.objects.filter(filing_id__in=ids, confirmed_at__isnull=True).select_related("village"):
            if (r.filing_id, r.village_id) in to_type and scope.is_cadre_of(r.village.path):
                rows.setdefault(r.filing_id, []).append(r)
    out: list[Todo] = []
    for f in open_filings:
        form = f.form
        period = periods.parse(form.frequency, f.period)
        title = f"{form.name} {period.label}"
        url = reverse("reports:filing", args=[f.pk])
        if f.status == FilingStatus.FILLING:
            for r in rows.get(f.pk, []):
                out.append(
                    Todo(
                        _("待填报"),
                        title,
                        reverse("reports:village_row", args=[f.pk, r.village.code]),
                        f,
                        r.village,
                        r.returned_note and _("退回意见：%(note)s") % {"note": r.returned_note},
                        f.due,
                    )
                )
            if _keeps(scope, form):
                kind = _("已退回") if f.pk in returned else _("待填报")
                out.append(Todo(kind, title, url, f, None, "", f.due))
        elif f.status == FilingStatus.REVIEW and policy.review_report(scope, form):
            if not same_person_refusal(f, me, step=Step.REVIEWED, typists=typed.get(f.pk, set())):
                out.append(Todo(_("待审核"), title, url, f, None, "", f.due))
        elif f.status == FilingStatus.APPROVAL and policy.approve_report(scope, form):
            if not same_person_refusal(f, me, step=Step.APPROVED, typists=typed.get(f.pk, set())):
                out.append(Todo(_("待审批"), title, url, f, None, "", f.due))
    return out


def _keeps(scope: Scope, form: ReportForm) -> bool:
    """Who fills and submits a form day to day: its office in charge (the leaders and administrators when it
    has none) — whoever else may prepare it is not reminded of every filing."""
    if form.unit_id is not None:
        return scope.works_for(form.unit_id, form.region.path)
    return policy.prepare_reports(scope, form)


def _cadre_q(scope: Scope):
    """Filings with a row of a village this person is a cadre of."""
    from django.db.models import Q

    if not scope.cadre_paths:
        return Q(pk__in=[])
    q = Q()
    for path in scope.cadre_paths:
        q |= Q(villages__village__path__startswith=path)
    return q
