"""Choosing one village among those a person may see: a drop-down for a subdistrict's hundred, a search box for a
city's thousands (a drop-down of 5,000 villages made a city viewer's case list 1 MiB and slow to render).

The page's form carries the chosen village's code (`region`, hidden in search mode) and, in search mode, what
was typed (`village`, shown with the chosen village's name). `VillagePicker.resolve` turns what came back into
the code the filter uses: the same village when the name was left as it was, another when a new name matches
exactly one village, none when the box was emptied; several matches are listed for the person to pick from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from zhili.regions.models import Region

LIST_AT_MOST = 300  # villages shown in a drop-down; beyond, the person types a name
MATCHES_SHOWN = 20


@dataclass
class VillagePicker:
    choices: list[Region] | None  # the drop-down, or None: too many to list, a search box
    selected: Region | None = None
    typed: str = ""
    matches: list[Region] = field(default_factory=list)  # search mode: villages whose name holds what was typed
    code: str = ""  # the code the filter should use (may differ from the request's: the view redirects)

    @property
    def searching(self) -> bool:
        return self.choices is None


def village_picker(villages: QuerySet[Region], code: str, typed: str | None) -> VillagePicker:
    """`villages`: the current villages the person may see (scoped by the caller). `code`: the request's `region`;
    `typed`: its `village` (None when the form was not submitted from a search box — a link naming a code).
    Two queries at most, whatever the number of villages."""
    villages = villages.order_by("path")
    listed = list(villages[: LIST_AT_MOST + 1])
    if len(listed) <= LIST_AT_MOST:
        selected = next((v for v in listed if v.code == code), None) if code else None
        return VillagePicker(listed, selected, code=code)
    selected = villages.filter(code=code).first() if code else None
    if typed is None:  # a link: the code it names
        return VillagePicker(None, selected, selected.name if selected else "", code=code)
    typed = typed.strip()[:40]
    if not typed:  # the box was emptied: every village
        return VillagePicker(None, None, "", code="")
    if selected is not None and typed == selected.name:  # left as it was (names repeat across subdistricts)
        return VillagePicker(None, selected, typed, code=code)
    matches = list(
        villages.filter(Q(name__contains=typed) | Q(code=typed)).select_related("parent")[: MATCHES_SHOWN + 1]
    )
    exact = [v for v in matches if v.name == typed or v.code == typed]
    if len(exact) == 1:
        return VillagePicker(None, exact[0], typed, code=exact[0].code)
    if len(matches) == 1:
        return VillagePicker(None, matches[0], typed, code=matches[0].code)
    return VillagePicker(None, None, typed, matches, code="")
