"""What `zhili report …` does: whose scope (--user, by default the township's administrator), which subdistrict
(--township, by default that person's), which form and period; then the same queries and actions as the pages —
the catalogue's lines, a period fetched (取数) and the filled copy of the superior's file written (an audited
export), or a form's mapped cells with where each figure comes from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.imports import cli as import_cli
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Region
from zhili.reports import periods
from zhili.reports.models import FilingStatus, FilingValue, Frequency, Origin, ReportForm

add_common_arguments = import_cli.add_common_arguments


@dataclass(frozen=True)
class Who:
    person: Person
    scope: Scope
    sub: Region


def who(username: str | None, code: str | None) -> Who:
    """Who acts, with what scope, on which subdistrict's forms; a sentence when they may not read them."""
    person, scope, sub = import_cli.person_and_subdistrict(username, code)
    if not policy.read_reports(scope, sub):
        raise CommandError(
            _("“%(username)s”无权查看“%(name)s”的上报报表。") % {"username": person.username, "name": sub.name}
        )
    return Who(person, scope, sub)


def _sentence(exc: ValidationError) -> CommandError:
    return CommandError("；".join(exc.messages))


def form_of(w: Who, code: str) -> ReportForm:
    """The subdistrict's form `code` (its 报表编号, not archived); a sentence naming the forms there are."""
    from zhili.reports import queries

    forms = queries.forms_for(w.scope, w.sub)
    wanted = (code or "").strip().upper()
    for form in forms:
        if form.code.upper() == wanted:
            return form
    known = "、".join(f.code for f in forms) or _("（还没有报表）")
    raise CommandError(
        _("“%(name)s”没有编号为“%(code)s”的上报报表。现有报表：%(known)s。")
        % {"name": w.sub.name, "code": code, "known": known}
    )


def period_of(form: ReportForm, text: str) -> periods.Period:
    try:
        return periods.parse(form.frequency, text)
    except ValidationError as exc:
        raise _sentence(exc) from None


def as_of(text: str | None) -> datetime.date:
    """The day the catalogue is read on: today, or the day after the period `text` names (in any frequency)."""
    if not text:
        return clock.today()
    for frequency in (Frequency.MONTH, Frequency.WEEK, Frequency.QUARTER, Frequency.YEAR):
        try:
            return periods.parse(frequency, text).end + datetime.timedelta(days=1)
        except ValidationError:
            continue
    raise CommandError(
        _("报送期“%(text)s”无效，应写作 2020-09（月）、2020-W40（周）、2020-Q3（季度）或 2020（年）。") % {"text": text}
    )


def list_lines(w: Who, period: str | None = None) -> list[str]:
    """One line per form: its code, name, frequency, the period's status and its counts (as the catalogue)."""
    from zhili.reports import queries

    cat = queries.catalogue(w.scope, w.sub, as_of(period))
    lines = []
    for row in cat.rows:
        form = row.form
        counts = _("系统填写 %(auto)s 格，人工填写 %(hand)s 格") % {"auto": row.burden.auto, "hand": row.burden.hand}
        if row.filing is not None and row.filing.missing_cells:
            counts += _("，缺数 %(n)s 格") % {"n": row.filing.missing_cells}
        lines.append(
            "  ".join(
                [
                    form.code,
                    form.name,
                    form.get_frequency_display(),
                    row.period.label,
                    str(row.status_label),
                    counts,
                ]
            )
        )
    if not lines:
        lines.append(_("“%(name)s”还没有上报报表。") % {"name": w.sub.name})
    else:
        total = cat.totals
        share = "" if total.share is None else _("，系统填写占 %(p)s%%") % {"p": round(total.share * 100)}
        lines.append(
            _("合计：系统填写 %(auto)s 格，人工填写 %(hand)s 格%(share)s。")
            % {"auto": total.auto, "hand": total.hand, "share": share}
        )
    return lines


def _current(form: ReportForm, period: periods.Period):
    from zhili.reports.models import Filing

    return Filing.objects.filter(form=form, period=period.key).order_by("-version").first()


def _left(filing) -> tuple[int, int, int, int]:
    """(filled by Zhili, typed by people, left for people, of which missing figures) of a filing's values."""
    auto = typed = left = missing = 0
    for origin, number, text in FilingValue.objects.filter(filing=filing).values_list("origin", "number", "text"):
        empty = number is None and not text
        if origin in (Origin.AUTO, Origin.LABEL):  # as fill.counts: the period's label is Zhili's too
            auto += 1
        elif origin in (Origin.HAND, Origin.MISSING):
            if empty:
                left += 1
                missing += origin == Origin.MISSING
            else:
                typed += 1
    return auto, typed, left, missing


def fill(w: Who, code: str, period_text: str, output: Path) -> list[str]:
    """Fetch the period's figures into its filing (one under review, approval or approved is exported as it
    stands), write the filled copy of the superior's file to `output`; the sentences saying what was done and what
    is left."""
    from zhili.reports import actions

    form = form_of(w, code)
    period = period_of(form, period_text)
    filing = _current(form, period)
    lines = []
    try:
        if filing is not None and filing.locked:
            lines.append(
                _("%(period)s第%(v)s版%(status)s，按审批时的数据导出（不重新取数；如需更正请在报表页面发起更正）。")
                % {"period": period.label, "v": filing.version, "status": filing.get_status_display()}
            )
        elif filing is not None and filing.status != FilingStatus.FILLING:
            lines.append(
                _("%(period)s第%(v)s版%(status)s，按提交时的数据导出（不重新取数；如需修改请退回后再取数）。")
                % {"period": period.label, "v": filing.version, "status": filing.get_status_display()}
            )
        else:
            if not policy.prepare_reports(w.scope, form):
                raise CommandError(
                    _("“%(username)s”无权为“%(form)s”取数，请由%(unit)s或街道领导操作。")
                    % {
                        "username": w.person.username,
                        "form": form.name,
                        "unit": form.unit.name if form.unit is not None else _("责任科室"),
                    }
                )
            filing = actions.do_fill_filing(form, period.key, actor=w.person, scope=w.scope)
        content, _filename = actions.do_export_filing(filing, actor=w.person, scope=w.scope)
    except ValidationError as exc:
        raise _sentence(exc) from None
    output.write_bytes(content)
    auto, typed, left, missing = _left(filing)
    said = _("系统填写 %(auto)s 格，待人工填写 %(left)s 格") % {"auto": auto, "left": left}
    if missing:
        said += _("（其中 %(n)s 格系统应取而无数据，已标为缺数，未填 0）") % {"n": missing}
    if typed:
        said += _("，已人工填写 %(n)s 格") % {"n": typed}
    lines.append(said + "。")
    lines.extend(_("问题：%(p)s") % {"p": p} for p in filing.problems or [])
    lines.append(
        _("已写入 %(path)s：%(form)s %(period)s 第%(v)s版（%(status)s），%(size)s 字节。")
        % {
            "path": output,
            "form": form.name,
            "period": period.label,
            "v": filing.version,
            "status": filing.get_status_display(),
            "size": len(content),
        }
    )
    return lines


def map_lines(w: Who, code: str) -> list[str]:
    """The form's latest version's mapped cells: each one's place, its label and where its figure comes from."""
    from zhili.reports import bindings

    form = form_of(w, code)
    version = form.versions.order_by("-number").first()
    if version is None:
        return [_("“%(form)s”还没有上传表样。") % {"form": form.name}]
    lines = [
        _("%(form)s 第%(n)s版表样（%(file)s，工作表“%(sheet)s”）：")
        % {"form": form.name, "n": version.number, "file": version.filename, "sheet": version.sheet}
    ]
    cells = list(version.cells.order_by("pk"))
    for cell in cells:
        state = "" if cell.state == "ok" else f"［{cell.get_state_display()}］"
        lines.append(f"{cell.ref}\t{cell.label or '—'}\t{bindings.describe(cell.binding)}{state}")
    if not cells:
        lines.append(_("还没有映射任何单元格。"))
    else:
        hand = sum(1 for c in cells if (c.binding or {}).get("kind") == "hand")
        lines.append(_("共 %(n)s 个映射，其中人工填写 %(hand)s 个。") % {"n": len(cells), "hand": hand})
    return lines
