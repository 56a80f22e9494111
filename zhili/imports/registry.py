"""Importers: what a spreadsheet can be imported into. The pipeline (pipeline.py) reads the file, finds the
header, maps the columns, checks every row, previews, and commits all or only the valid rows; an importer says
what is specific to its records. One module per importer, registered at import time (like indicator sources):

    class ProjectImporter(Importer):
        key = "project"                       # stored in ImportJob.importer
        label = "项目"
        where = "村（社区）"                  # "该项目编号已登记在您无权修改的村（社区）"
        audit_action = "project.import"       # the job's entry, on the target
        row_audit_action = "project.row.import"  # one entry per updated record (record_many)
        row_model = Project

        # the target: what a file goes into (a ledger, a year's project list …)
        def target(self, job): ...            # the object for job.target_id
        def region(self, target): ...         # its region: rights, audit entries, where jobs are listed
        def name(self, target): ...
        def urls(self, target): ...           # Urls(target=…, upload=…, job=lambda pk: …, rejected=lambda pk: …)

        # rights, always through zhili.people.policy
        def may_import(self, scope, target): ...   # upload, preview, confirm, cancel
        def may_write(self, scope, target, region): ...  # a record about `region`, new or already there

        # the columns and the rows
        def columns(self, target): ...        # [Column(key, labels, required, quiet)]: the header is found by the labels
        def cleaner(self, target, scope, units): ...  # compiled once: .keys, .clean_cells(cells) → Cleaned
        def default_region(self, target): ... # a row that names no region
        def regions(self, target): ...        # {region id: Region} rows may lie in (for rights on existing rows)
        def plan_parts(self, target, scope): ...  # what else a row's outcome depends on (definition version …)
        def side_sheets(self, target): ...    # optional: other sheets the rows depend on ({"分解": columns})
        def existing(self, target): ...       # (key, pk, data, region id) of every active record with a key

        # writing, inside the pipeline's transactions
        def writer(self, job, target, actor, now, allowed): ...  # .add .stage .apply .discard (see Writer)

    register(ProjectImporter())

What a cleaned row carries (`Cleaned`): `data` (JSON-ready), `region` (a Region or None), `key_value` ("" when the
row has no key), `key_label`, `key_display` (masked as the page shows it), `errors` and `warnings` (objects with
`label`, `raw`, `reason`). Rows are matched with existing records by `key_value`; new ones are added, changed
ones updated (staged, applied when the job publishes), the others left alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

from zhili.core import errors


@dataclass(frozen=True)
class Column:
    key: str
    labels: tuple[str, ...]  # the label first, then aliases offices use
    required: bool = False
    # optional columns a file usually lacks (one per village, say): not listed as missing when no column feeds them
    quiet: bool = False

    @property
    def label(self) -> str:
        return self.labels[0]


@dataclass(frozen=True)
class Urls:
    target: str  # the target's own page
    upload: str  # where a file is posted
    job: Callable[[int], str]
    rejected: Callable[[int], str]


class Problem(Protocol):
    label: str
    raw: Any
    reason: str


class Cleaned(Protocol):
    data: dict
    region: Any
    key_value: str
    key_label: str
    key_display: str
    errors: list[Problem]
    warnings: list[Problem]


@dataclass
class RowProblem:
    """A Problem: what was wrong with which cell of a row."""

    label: str
    raw: Any
    reason: str


@dataclass
class CleanedRow:
    """A Cleaned row as the subdistrict importers make it (projects, households, rosters): its data, region and
    key, and its errors and warnings."""

    data: dict = field(default_factory=dict)
    region: Any = None
    key_value: str = ""
    key_label: str = ""
    key_display: str = ""
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def error(self, label: str, raw: Any, reason: str) -> None:
        self.errors.append(RowProblem(label, raw, reason))

    def warn(self, label: str, raw: Any, reason: str) -> None:
        self.warnings.append(RowProblem(label, raw, reason))


class Cleaner(Protocol):
    keys: list[str]  # the field keys, in the order clean_cells takes their cells
    key: list[str]  # the field keys that make a record's key (empty: records are only ever added)
    key_label: str  # their labels, for sentences

    def clean_cells(self, cells: list) -> Cleaned: ...


class Writer(Protocol):
    def add(self, rows: list[tuple[int, str, str]]) -> None:
        """New records, (region id, data as JSON text, key), written under the job (invisible until published)."""

    def stage(self, updates: list[tuple[str, dict, int]]) -> list:
        """Updates of existing records, (key, data, region id): unsaved StagedChange objects (the record's id
        and revision as read now, what to write, the audit entry's changes). A record that moved where the
        person may not write (`allowed(region id)` is false) raises pipeline.ImportConflict."""

    def apply(self, changes: list) -> int:
        """Write staged changes (StagedChange rows) to their records if each is still at its revision; return how
        many were written (fewer: somebody changed a record meanwhile, and the pipeline refuses the import)."""

    def discard(self) -> None:
        """Remove every record written under the job (an interrupted or refused commit), in short transactions."""


class Importer(ABC):
    key: str = ""
    label: str = ""
    where: str = "村（社区）"
    audit_action: str = ""
    row_audit_action: str = ""
    row_model: Any = None
    # False: the importer's records are always written in one transaction, however large the file (a year's
    # targets, a few hundred rows): nothing is visible before it commits, so its records need no staged manager
    # and `Writer.discard` has nothing to remove
    batchable: bool = True

    @abstractmethod
    def target(self, job) -> Any: ...

    @abstractmethod
    def region(self, target) -> Any: ...

    @abstractmethod
    def name(self, target) -> str: ...

    @abstractmethod
    def urls(self, target) -> Urls: ...

    @abstractmethod
    def may_import(self, scope, target) -> bool: ...

    @abstractmethod
    def may_write(self, scope, target, region) -> bool: ...

    @abstractmethod
    def columns(self, target) -> list[Column]: ...

    @abstractmethod
    def cleaner(self, target, scope, units: dict[str, str | None]) -> Cleaner: ...

    def default_region(self, target) -> Any:
        return self.region(target)

    @abstractmethod
    def regions(self, target) -> dict[int, Any]: ...

    def plan_parts(self, target, scope) -> list:
        return []

    def side_sheets(self, target) -> dict[str, list[Column]]:
        """Other sheets of the workbook that the main sheet's rows depend on, by name ({"分解": columns}; a
        sheet is found by its name, its header by the columns' labels, as the main sheet's). Their rows reach the
        cleaner before the main sheet's — `cleaner.side_sheet(name, rows)`, rows as (Excel row, {key: cell}) — and
        what they say is folded into the main rows, whose errors name them; a workbook without the sheet gives no
        rows. Side sheets are small (a year's decomposition), read whole. A cleaner may also define
        `unused_side_rows()`, called after the last row: sentences about side-sheet rows no row took up (a 分解 row
        whose indicator the main sheet does not have), said in the preview's message, never silently dropped."""
        return {}

    @abstractmethod
    def existing(self, target) -> Iterable[tuple[str, int, dict, int]]: ...

    @abstractmethod
    def writer(self, job, target, actor, now, allowed: Callable[[int], bool]) -> Writer: ...

    def region_label(self, target) -> str:
        """What the file calls the column that says where a record belongs (for "不在您的填报范围内")."""
        return "区划"

    def crumbs(self, target) -> list[tuple[str, str]]:
        """The breadcrumbs above an import's page (label, URL), ending with the target."""
        return [(self.name(target), self.urls(target).target)]

    # A roster is the whole list: an importer whose records missing from the file are ended says so here. The
    # pipeline then hands it the keys of the file's valid rows — in the preview (`absent_note`: a sentence for the
    # page) and, when every row was valid, at the commit (`Writer.end_absent`: staged like any update).
    ends_absent = False

    def absent_note(self, target, scope, keys: set[str]) -> str:
        return ""

    def job_links(self, target, job) -> list[tuple[str, str]]:
        """Links the import's page offers besides the shared ones (label, URL): e.g. the initial passwords of the
        accounts a staff roster made, once."""
        return []

    def row_repr(self, target, object_id: int) -> str:
        return f"{self.name(target)} #{object_id}"

    def target_id(self, target) -> int:
        return target.pk


_REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    _REGISTRY[importer.key] = importer
    return importer


def get(key: str) -> Importer:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise errors.NotFound(_("未知的导入类型“%(key)s”。") % {"key": key}) from None


def all_importers() -> Iterator[Importer]:
    return iter(_REGISTRY.values())
