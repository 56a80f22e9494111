"""ledger-import: importing a 100,000-row × 12-column .xlsx into a ledger — preview + commit, with validation and
history — against the same file read by python-calamine and written with a raw `executemany`, in the same run.

Data: one subdistrict with 50 villages, a 12-field household ledger defined with `do_define_ledger` (village,
household head, identity number = the key, phone, household size, land area in 亩, conversion method, finished
date, acceptance state, subsidy in 元, 低保户 yes/no, note) and a generated .xlsx laid out as offices send it:
a title row above the header, units in the headers ("承包地面积（亩）"), villages written with and without
their 村/社区 suffix, dates as real dates and as "2020.5.12" / "2020年5月12日" text, phone numbers as numbers
and as text, some subsidies as "3,000" text, identity numbers as text (some ending in x, some with a retired
area code, which the importer accepts with a warning). Every row is valid, so the all-or-nothing commit writes
all of them.

Names and identity numbers are synthetic: names are drawn from short lists of common surnames and given-name
characters; identity numbers are an area code of 济南 (370112 历城区, 370115 济阳区, 370125 the retired 济阳县),
a random birth date, a running three-digit sequence and the GB 11643 check character computed here
(`check_character`) — well-formed and unique, not any person's.

Measured (seconds per import, the best of `--repeat` runs, the sides alternating, a tiny warm-up import first):
- zhili:    `pipeline.preview(job, scope, person=actor)` then `pipeline.commit(job, scope, actor=actor,
            batched=True)` (zhili.imports, as the worker runs a file this size) on a fresh ImportJob for the
            stored file: header found under the title, columns mapped, every cell parsed and checked, the region
            in scope, duplicate keys (the preview also writes its plan file), then the plan's rows INSERTed
            (executemany on Django's connection) with their import job, one transaction per 5,000 rows, hidden
            until one short transaction publishes them with an audit entry. The commit reads the preview's plan,
            not the file: see docs/ARCHITECTURE.md "Imports" (it falls back to reading the file when anything the
            outcome depends on changed);
- baseline: python-calamine reads the same file, a hand-written loop converts exactly the formats this file
            uses (it knows the columns), and `cursor.executemany` INSERTs the rows into the same table
            (ledgers_ledgerrow, `data` built with json.dumps) under a second ledger with the same definition.
- upload-to-done: the same file as a person imports it (`upload_to_done`): POSTed to the ledger's import page
            through django.test.Client signed in as the actor, the worker's round (zhili.core.jobs.run_once: the
            check), the job's page with the preview, 确认导入, the worker's round (the write), the job's page saying
            done; each step's seconds go on the line. Compared with the same baseline.
Between runs the rows are removed with a raw DELETE (and VACUUM on PostgreSQL), outside the timing.
Before timing, the first Zhili run's and the first upload-to-done's stored rows are compared with the baseline's:
they must be identical.

Peers: django-import-export (not a product dependency: `pip install -e '.[bench]'`) on the same file into an
equivalent plain model (created at run time with the schema editor), as its admin does it: the file read by its
XLSX format (openpyxl), a dry run for the preview, then the file read again and imported; `import_id_fields`
= the identity number, `clean_model_instances = True` (model validation), widgets for 是/否, the village's
name with or without its suffix, the date texts and "3,000". Twice: as configured above (its defaults: a
savepoint and several queries per row), and tuned for a bulk import (`tuned_resource`: use_bulk, batch_size,
skip_diff, CachedInstanceLoader, villages looked up in a dict, model validation without its per-row queries).
Each timed once (`--li-peer-repeat` for more); `--li-skip-plain-peer` skips the untuned one.

Memory: a `--li-memory-rows` (default 1,000,000) file is imported (preview + commit) in a child process and its
peak RSS reported: the child's VmHWM from /proc/self/status, not `getrusage(RUSAGE_CHILDREN)`, because on Linux
a child's ru_maxrss starts from the parent's high-water mark (carried over at fork and exec), so after the
in-process runs it reports the benchmark's memory, not the import's (getrusage is the fallback where there is no
/proc). The import limits (ZHILI_IMPORT_MAX_MB, ZHILI_IMPORT_MAX_ROWS) are raised in the child to fit the file,
and the line says when they had to be.
"""

from __future__ import annotations

import datetime
import gc
import json
import random
import re
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import bench

VILLAGES = 50
SUB_CODE, SUB_NAME = "990101001", "基准街道"
CODE = "bench-households"
BASELINE_CODE = "bench-households-raw"
TITLE = "基准街道气代煤改造及低保户信息台账（2020年）"

WAYS = ["燃气壁挂炉", "燃气灶具", "空气源热泵", "电采暖"]
STATES = ["未开工", "施工中", "已完工", "已验收"]

# (key, label, header as written in the file, type and options)
FIELDS = [
    {"key": "village", "label": "村", "type": "region", "required": True},
    {"key": "head", "label": "户主姓名", "type": "text", "required": True},
    {"key": "id_number", "label": "身份证号", "type": "id_number", "required": True, "sensitive": True},
    {"key": "phone", "label": "联系电话", "type": "phone"},
    {"key": "members", "label": "家庭人口", "type": "integer", "unit": "人", "min": 1, "max": 20},
    {"key": "land", "label": "承包地面积", "type": "decimal", "unit": "亩", "decimals": 2, "min": 0},
    {"key": "way", "label": "改造方式", "type": "choice", "choices": WAYS},
    {"key": "finished", "label": "完工日期", "type": "date"},
    {"key": "state", "label": "验收状态", "type": "choice", "choices": STATES},
    {"key": "subsidy", "label": "补贴金额", "type": "decimal", "unit": "元", "decimals": 2, "min": 0},
    {"key": "low_income", "label": "是否低保户", "type": "bool"},
    {"key": "note", "label": "备注", "type": "text"},
]
HEADERS = [
    "村",
    "户主姓名",
    "身份证号",
    "联系电话",
    "家庭人口（人）",
    "承包地面积（亩）",
    "改造方式",
    "完工日期",
    "验收状态",
    "补贴金额（元）",
    "是否低保户",
    "备注",
]
COLUMN_FORMATS = [None, None, "id", None, None, None, None, "date", None, None, None, None]

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建国文志海春花金凤立新德福云广庆"
_VILLAGE_STEMS = ["家坊", "家庄", "家店", "王庄", "家寨", "桥", "家楼", "集", "家洼", "家堂", "官庄", "家营"]
_NOTES = ["", "", "", "", "", "", "子女在外务工", "房屋已翻建", "需二次回访", "老人独居", "已签协议"]
# 370112 历城区 and 370115 济阳区 are current area codes; 370125 (济阳县) was retired in 2018: accepted with a warning
_AREAS = ["370112"] * 10 + ["370115"] * 9 + ["370125"]
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits: ISO 7064 MOD 11-2, 10 written as X."""
    value = (12 - sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11) % 11
    return "X" if value == 10 else str(value)


def add_arguments(group) -> None:
    group.add_argument("--li-rows", type=int, default=100_000, help="data rows of the timed file (default 100000)")
    group.add_argument(
        "--li-memory-rows",
        type=int,
        default=1_000_000,
        help="data rows of the file imported in a child process for peak memory (default 1000000)",
    )
    group.add_argument("--li-skip-memory", action="store_true", help="skip the peak-memory import")
    group.add_argument("--li-skip-peer", action="store_true", help="skip django-import-export (both peers)")
    group.add_argument(
        "--li-skip-plain-peer",
        action="store_true",
        help="skip django-import-export as its admin runs it (tens of minutes), keep the tuned one",
    )
    group.add_argument(
        "--li-peer-repeat", type=int, default=1, help="timed runs of each django-import-export peer (default 1)"
    )
    group.add_argument(
        "--li-profile",
        metavar="FILE",
        help="after timing, profile one more Zhili import with pyinstrument and write its text report",
    )


# ---- the data -------------------------------------------------------------------------------------


def village_names(n: int) -> list[str]:
    rng = random.Random(11)
    names: list[str] = []
    while len(names) < n:
        suffix = "社区" if len(names) % 10 == 0 else "村"
        name = rng.choice(_SURNAMES) + rng.choice(_VILLAGE_STEMS) + suffix
        if name not in names and name[: -len(suffix)] not in {x[:-1] for x in names} | {x[:-2] for x in names}:
            names.append(name)
    return names


def rows(n: int, villages: list[str], seed: int = 2020):
    """`n` data rows as the file holds them (see the module docstring for what varies)."""
    rng = random.Random(seed)
    seq: dict[str, int] = {}
    start = datetime.date(2019, 10, 1).toordinal()
    for _ in range(n):
        village = rng.choice(villages)
        if rng.random() < 0.3:  # written without its suffix: 孔家坊 for 孔家坊村
            village = village.removesuffix("社区").removesuffix("村")
        born = datetime.date(1935, 1, 1) + datetime.timedelta(days=rng.randrange(65 * 365))
        prefix = rng.choice(_AREAS) + born.strftime("%Y%m%d")
        k = seq.get(prefix, rng.randrange(1, 800))  # a running sequence per area and birth date: unique numbers
        while True:
            first17 = prefix + f"{k:03d}"
            identity = first17 + check_character(first17)
            k += 1
            if not identity.endswith("000"):  # Zhili warns of those (Excel may have cut the number)
                break
        seq[prefix] = k
        if identity.endswith("X") and rng.random() < 0.3:
            identity = identity[:-1] + "x"
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        finished = datetime.date.fromordinal(start + rng.randrange(420))
        r = rng.random()
        finished_cell = (
            finished
            if r < 0.8
            else f"{finished.year}.{finished.month}.{finished.day}"
            if r < 0.9
            else f"{finished.year}年{finished.month}月{finished.day}日"
        )
        subsidy = rng.choice([1500, 2000, 2500, 3000, 3200]) + rng.choice([0, 0, 0, 0.5])
        subsidy_cell = f"{int(subsidy):,}" if rng.random() < 0.1 and subsidy == int(subsidy) else subsidy
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
        yield [
            village,
            name + (" " if rng.random() < 0.05 else ""),
            identity,
            int(phone) if rng.random() < 0.4 else phone,
            rng.randint(1, 8),
            round(rng.uniform(0.5, 30), rng.choice([0, 1, 2])),
            rng.choice(WAYS),
            finished_cell,
            rng.choice(STATES),
            subsidy_cell,
            "是" if rng.random() < 0.12 else "否",
            rng.choice(_NOTES) or None,
        ]


def write_file(path: Path, n: int, villages: list[str]) -> float:
    from zhili.excel import writing

    t0 = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    writing.write_xlsx(
        str(path), title=TITLE, subtitle=None, headers=HEADERS, rows=rows(n, villages), column_formats=COLUMN_FORMATS
    )
    return time.perf_counter() - t0


def build(villages: int):
    """The region tree, an actor with a superuser scope, and the two ledgers (Zhili's and the baseline's)."""
    from django.db import transaction

    from zhili.ledgers.actions import do_define_ledger
    from zhili.people.models import Person
    from zhili.people.scope import Scope
    from zhili.regions.models import Level, Region

    with transaction.atomic():
        city = Region.objects.create(code="990100", name="基准市", level=Level.CITY, path="990100/")
        district = Region.objects.create(
            code="990101", name="基准区", level=Level.DISTRICT, parent=city, path="990100/990101/"
        )
        sub = Region.objects.create(
            code=SUB_CODE, name=SUB_NAME, level=Level.SUBDISTRICT, parent=district, path=f"{district.path}{SUB_CODE}/"
        )
        names = village_names(villages)
        Region.objects.bulk_create(
            [
                Region(
                    code=f"{SUB_CODE}{i + 1:03d}",
                    name=name,
                    level=Level.VILLAGE,
                    parent=sub,
                    path=f"{sub.path}{SUB_CODE}{i + 1:03d}/",
                )
                for i, name in enumerate(names)
            ]
        )
        actor = Person.objects.create(
            username="bench-importer", full_name="基准导入员", is_superuser=True, is_staff=True
        )
        scope = Scope(person_id=actor.pk, is_superuser=True)
        definition = {"name": "气代煤改造及低保户台账", "level": "household", "key": ["id_number"], "fields": FIELDS}
        ledger = do_define_ledger(region=sub, data={**definition, "code": CODE}, actor=actor, scope=scope)
        raw_ledger = do_define_ledger(region=sub, data={**definition, "code": BASELINE_CODE}, actor=actor, scope=scope)
    return sub, names, actor, scope, ledger, raw_ledger


# ---- Zhili ----------------------------------------------------------------------------------------


def media_path(ledger_code: str, filename: str) -> tuple[Path, str]:
    """Where the file is stored (as an upload would be) and its name relative to MEDIA_ROOT."""
    from django.conf import settings

    name = f"imports/{ledger_code}/{filename}"
    return Path(settings.MEDIA_ROOT) / name, name


def new_job(ledger, name: str, actor):
    from zhili.imports.models import ImportJob

    return ImportJob.objects.create(
        importer="ledger",
        target_id=ledger.pk,
        region=ledger.region,
        file=name,
        filename=Path(name).name,
        uploaded_by=actor,
        acted_by=actor,
        background=True,
    )


def zhili_import(job, scope, actor):
    """The shared pipeline as the worker runs it for a file of this size: the preview, then the commit in
    batches (each its own transaction, hidden until the short one that publishes them)."""
    from zhili.imports import pipeline
    from zhili.imports.models import ImportStatus

    summary = pipeline.preview(job, scope, person=actor)
    if job.status != ImportStatus.PREVIEWED or summary.errors:
        raise SystemExit(f"ledger-import: Zhili's preview refused the file: {job.message or job.problems[:3]}")
    return summary, pipeline.commit(job, scope, actor=actor, batched=True)


# ---- Zhili, as a person does it: upload → the worker's check → the preview page → confirm → the worker's write → done


def person_client(actor):
    """A browser's stand-in, signed in as `actor` (force_login: the sign-in is not the import)."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host of the default settings
    client.force_login(actor)
    return client


def _expect(response, status: int, step: str) -> None:
    if response.status_code != status:
        raise SystemExit(f"ledger-import: upload-to-done: {step} answered {response.status_code}, not {status}")


def upload_to_done(client, ledger, path: Path) -> tuple[float, dict[str, float], object]:
    """The whole flow through the pages and the worker, as a person and `zhili worker` do it: the file POSTed to
    the ledger's import URL (multipart, as a browser sends it), the worker's round (the check, for a file over
    ZHILI_IMPORT_BACKGROUND_KB; a smaller one was checked within the upload request), the job's page with the
    preview, 确认导入 (mode=all), the worker's round (the write), the job's page saying it is done. The worker is
    zhili.core.jobs.run_once, called as soon as the page hands it work: its idle polling interval (2 s by default)
    is not counted. Returns the total seconds, each step's, and the job."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from zhili.core import jobs as worker
    from zhili.imports.models import ImportJob, ImportStatus

    upload = SimpleUploadedFile(
        path.name, path.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    steps: dict[str, float] = {}

    def step(name: str, fn):
        t0 = time.perf_counter()
        out = fn()
        steps[name] = time.perf_counter() - t0
        return out

    gc.collect()
    response = step("upload", lambda: client.post(reverse("ledgers:import", args=[ledger.code]), {"file": upload}))
    _expect(response, 302, "the upload")
    job_url = response["Location"]
    step("check", worker.run_once)
    _expect(step("preview page", lambda: client.get(job_url)), 200, "the preview page")
    job = ImportJob.objects.get(pk=int(job_url.rstrip("/").rsplit("/", 1)[1]))
    if job.status != ImportStatus.PREVIEWED or job.summary.get("errors"):
        raise SystemExit(f"ledger-import: upload-to-done: the preview is {job.status}: {job.message}")
    _expect(step("confirm", lambda: client.post(job_url, {"mode": "all"})), 302, "确认导入")
    step("write", worker.run_once)
    done = step("done page", lambda: client.get(job_url))
    _expect(done, 200, "the done page")
    job.refresh_from_db()
    if job.status != ImportStatus.DONE:
        raise SystemExit(f"ledger-import: upload-to-done: the job is {job.status}: {job.message}")
    return sum(steps.values()), steps, job


# ---- the baseline: calamine + executemany ----------------------------------------------------------

_TWO = Decimal("0.01")
_DIGITS = re.compile(r"\d+")


def _decimal(v) -> str:
    if isinstance(v, str):
        v = v.replace(",", "")
    d = Decimal(v) if isinstance(v, int | str) else Decimal(f"{v:.15g}")
    return format(d.quantize(_TWO, rounding=ROUND_HALF_UP), "f")


def baseline_import(path: Path, ledger, region_ids: dict[str, tuple[int, str]], actor_id: int) -> int:
    """Read with python-calamine, convert what this file holds, INSERT with executemany. Returns rows written."""
    import python_calamine
    from django.db import connection, transaction
    from django.utils import timezone

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    version_id = ledger.current_version_id
    sql = (
        "INSERT INTO ledgers_ledgerrow (ledger_id, subdistrict_id, version_id, region_id, data, key_value, revision,"
        " created_by_id, modified_by_id, import_job_id, created_at, modified_at, archived_at, archived_by_id,"
        " archived_reason) VALUES (%s, %s, %s, %s, %s, %s, 1, %s, %s, NULL, %s, %s, NULL, NULL, '')"
    )
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    it = iter(sheet.iter_rows())
    next(it)  # the title
    next(it)  # the header
    batch: list[tuple] = []
    written = 0
    with transaction.atomic(), connection.cursor() as cur:  # one transaction, as Zhili's commit
        for r in it:
            village, head, identity, phone, members, land, way, finished, state, subsidy, low, note = r[:12]
            region_id, region_code = region_ids[village.strip()]
            identity = identity.strip().upper()
            if isinstance(finished, str):
                y, m, d = _DIGITS.findall(finished)
                finished = datetime.date(int(y), int(m), int(d))
            elif isinstance(finished, datetime.datetime):
                finished = finished.date()
            data = {
                "village": region_code,
                "head": head.strip(),
                "id_number": identity,
                "phone": str(int(phone)) if isinstance(phone, float | int) else phone.strip(),
                "members": int(members),
                "land": _decimal(land),
                "way": way,
                "finished": finished.isoformat(),
                "state": state,
                "subsidy": _decimal(subsidy),
                "low_income": low == "是",
            }
            if note:
                data["note"] = note.strip()
            sub_id = ledger.region_id
            batch.append(
                (ledger.pk, sub_id, version_id, region_id, json.dumps(data), identity, actor_id, actor_id, now, now)
            )
            if len(batch) >= 5000:
                cur.executemany(sql, batch)
                written += len(batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
            written += len(batch)
    return written


def region_lookup(sub) -> dict[str, tuple[int, str]]:
    """Village name → (id, code), also under the name without its 村/社区 suffix."""
    from zhili.regions.models import Region

    out = {}
    for pk, code, name in Region.objects.filter(parent=sub).values_list("pk", "code", "name"):
        out[name] = out[name.removesuffix("社区").removesuffix("村")] = (pk, code)
    return out


def stored_rows(ledger) -> dict[str, tuple[int, dict]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT key_value, region_id, data FROM ledgers_ledgerrow WHERE ledger_id = %s", [ledger.pk])
        return {k: (r, json.loads(d) if isinstance(d, str) else d) for k, r, d in cur.fetchall()}


def delete_rows(ledger) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM ledgers_ledgerrow WHERE ledger_id = %s", [ledger.pk])
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE ledgers_ledgerrow")


# ---- the peer: django-import-export ----------------------------------------------------------------

_PEER = {}


def peer_available() -> bool:
    try:
        import import_export  # noqa: F401
    except ImportError:
        return False
    return True


def peer_classes():
    """An equivalent plain model (table created at run time) and its ModelResource. Defined once, lazily:
    models can only be declared after django.setup()."""
    if _PEER:
        return _PEER["model"], _PEER["resource"]
    from django.db import models
    from import_export import fields, resources, widgets

    from zhili.regions.models import Region

    class PeerHousehold(models.Model):
        village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
        head = models.CharField(max_length=50)
        id_number = models.CharField(max_length=18, unique=True)
        phone = models.CharField(max_length=20, blank=True)
        members = models.PositiveSmallIntegerField(null=True, blank=True)
        land = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
        way = models.CharField(max_length=20, blank=True, choices=[(w, w) for w in WAYS])
        finished = models.DateField(null=True, blank=True)
        state = models.CharField(max_length=20, blank=True, choices=[(s, s) for s in STATES])
        subsidy = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
        low_income = models.BooleanField(default=False)
        note = models.CharField(max_length=500, blank=True)

        class Meta:
            app_label = "ledgers"
            db_table = "bench_peer_household"
            managed = False

        def __str__(self) -> str:
            return self.id_number

    class VillageWidget(widgets.ForeignKeyWidget):
        def get_lookup_kwargs(self, value, row, **kwargs):  # 孔家坊 is 孔家坊村
            value = str(value).strip()
            return {"name__in": [value, value + "村", value + "社区"]}

    class YesNoWidget(widgets.BooleanWidget):
        TRUE_VALUES = ["是"]
        FALSE_VALUES = ["否"]

    class AmountWidget(widgets.DecimalWidget):
        def clean(self, value, row=None, **kwargs):
            return super().clean(value.replace(",", "") if isinstance(value, str) else value, row, **kwargs)

    date_widget = widgets.DateWidget()
    date_widget.formats = ("%Y-%m-%d", "%Y.%m.%d", "%Y年%m月%d日")

    class PeerResource(resources.ModelResource):
        village = fields.Field(attribute="village", column_name="村", widget=VillageWidget(Region, field="name"))
        head = fields.Field(attribute="head", column_name="户主姓名", widget=widgets.CharWidget())
        id_number = fields.Field(attribute="id_number", column_name="身份证号", widget=widgets.CharWidget())
        phone = fields.Field(attribute="phone", column_name="联系电话", widget=widgets.CharWidget())
        members = fields.Field(attribute="members", column_name="家庭人口（人）", widget=widgets.IntegerWidget())
        land = fields.Field(attribute="land", column_name="承包地面积（亩）", widget=AmountWidget())
        way = fields.Field(attribute="way", column_name="改造方式", widget=widgets.CharWidget())
        finished = fields.Field(attribute="finished", column_name="完工日期", widget=date_widget)
        state = fields.Field(attribute="state", column_name="验收状态", widget=widgets.CharWidget())
        subsidy = fields.Field(attribute="subsidy", column_name="补贴金额（元）", widget=AmountWidget())
        low_income = fields.Field(attribute="low_income", column_name="是否低保户", widget=YesNoWidget())
        note = fields.Field(attribute="note", column_name="备注", widget=widgets.CharWidget())

        class Meta:
            model = PeerHousehold
            import_id_fields = ["id_number"]
            fields = [
                "village",
                "head",
                "id_number",
                "phone",
                "members",
                "land",
                "way",
                "finished",
                "state",
                "subsidy",
                "low_income",
                "note",
            ]
            clean_model_instances = True

    _PEER.update(model=PeerHousehold, resource=PeerResource, tuned=tuned_resource(PeerResource, Region))
    return PeerHousehold, PeerResource


def tuned_resource(base, region_model):
    """django-import-export tuned as its documentation's "bulk imports" advice says, for a file of new records:
    the same fields, widgets and model validation as `base`, but

    - `use_bulk = True`, `batch_size = 5000`: instances collected and written with `bulk_create` (Django splits a
      batch to the backend's parameter limit), no savepoint per row;
    - `skip_diff = True` (and so no HTML diff): no deep copy of each instance and no comparison;
    - `instance_loader_class = CachedInstanceLoader`: the existing records of the file's keys in one query,
      not one `get()` per row;
    - the village widget looks names up in a dict loaded once per import (one query), not one query per row;
    - model validation (`full_clean`: choices, lengths, decimals, required fields) stays, without its two
      per-row queries: the village's existence (the widget found it in the database) and `validate_unique`
      (keys already stored are matched by the loader and become updates; a key twice in the file is refused
      by a set, as Zhili refuses it; the table's UNIQUE constraint stands behind both).

    `skip_unchanged` is not set: with `skip_diff` the library ignores it (it needs the original to compare),
    and every row of this file is new."""
    from django.core.exceptions import ValidationError
    from import_export import fields, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    from zhili.regions.models import Level

    class CachedVillageWidget(widgets.ForeignKeyWidget):
        villages: dict[str, object] = {}

        def load(self) -> None:
            self.villages = {}
            for region in region_model.objects.filter(level=Level.VILLAGE):
                self.villages[region.name] = self.villages[region.name.removesuffix("社区").removesuffix("村")] = region

        def clean(self, value, row=None, **kwargs):
            if value in (None, ""):
                return None
            try:
                return self.villages[str(value).strip()]
            except KeyError:
                raise ValueError(f"没有这个村：{value}") from None

    village_widget = CachedVillageWidget(region_model, field="name")

    class TunedResource(base):
        village = fields.Field(attribute="village", column_name="村", widget=village_widget)

        class Meta:
            use_bulk = True
            batch_size = 5000
            skip_diff = True
            skip_html_diff = True
            instance_loader_class = CachedInstanceLoader

        def before_import(self, dataset, **kwargs):
            self.fields["village"].widget.load()  # the resource's own copy of the field and its widget
            self.seen_keys: set[str] = set()
            super().before_import(dataset, **kwargs)

        def before_import_row(self, row, **kwargs):
            key = str(row.get("身份证号") or "").strip()
            if key in self.seen_keys:
                raise ValidationError({"id_number": "身份证号在文件中重复"})
            self.seen_keys.add(key)
            super().before_import_row(row, **kwargs)

        def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
            errors = dict(import_validation_errors or {})
            try:
                instance.full_clean(exclude=[*errors, "village"], validate_unique=False)
            except ValidationError as e:
                errors = e.update_error_dict(errors)
            if errors:
                raise ValidationError(errors)

    return TunedResource


def peer_create_table() -> None:
    from django.db import connection

    model, _ = peer_classes()
    with connection.schema_editor() as editor:
        editor.create_model(model)


def peer_dataset(path: Path):
    """The file as django-import-export reads an .xlsx, the title row dropped (its header must be row 1)."""
    from import_export.formats.base_formats import XLSX

    dataset = XLSX().create_dataset(path.read_bytes())
    dataset.headers = list(dataset[0])
    del dataset[0]
    return dataset


def peer_import(path: Path, expected: int, *, tuned: bool = False) -> list[float]:
    """As the admin does it: read, dry run (the preview), read again, import. The seconds of each step."""
    peer_classes()
    resource_class = _PEER["tuned" if tuned else "resource"]
    seconds = []
    for dry_run in (True, False):
        t0 = time.perf_counter()
        result = resource_class().import_data(peer_dataset(path), dry_run=dry_run, raise_errors=False)
        seconds.append(time.perf_counter() - t0)
        if result.has_errors() or result.has_validation_errors():
            errors = [e.error for _, es in result.row_errors() for e in es][:2] or [
                (r.number, r.error_dict) for r in result.invalid_rows
            ][:2]
            raise SystemExit(f"ledger-import: django-import-export refused rows: {errors}")
        if result.totals.get("new", 0) != expected:
            raise SystemExit(
                f"ledger-import: django-import-export imported {dict(result.totals)}, expected {expected} new rows"
            )
    return seconds


def peer_delete() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM bench_peer_household")
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE bench_peer_household")


# ---- peak memory: a child process ------------------------------------------------------------------


def memory_run(sub, names, actor, scope, n: int) -> str:
    """Import an `n`-row file in a child process; its peak RSS (and time) as a note for the line."""
    import resource

    from django.db import connection

    from zhili.ledgers.actions import do_define_ledger
    from zhili.ledgers.models import Ledger

    base = Ledger.objects.get(region=sub, code=CODE)
    ledger = do_define_ledger(
        region=sub,
        data={
            "code": "bench-memory",
            "name": "内存基准台账",
            "level": "household",
            "key": ["id_number"],
            "fields": base.current_version.fields,
        },
        actor=actor,
        scope=scope,
    )
    path, name = media_path(ledger.code, f"households-{n}.xlsx")
    print(f"ledger-import: writing the {n:,}-row file for the memory run …", file=sys.stderr, flush=True)
    t_write = write_file(path, n, names)
    size = path.stat().st_size
    print(
        f"ledger-import: {n:,} rows written in {t_write:.0f} s ({size / 2**20:.1f} MB); importing in a child process …",
        file=sys.stderr,
        flush=True,
    )
    job = new_job(ledger, name, actor)
    connection.close()  # the child writes to the same database (SQLite: the same file)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.ledger_import", "--memory-child", str(job.pk), str(size), str(n)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"ledger-import: the {n:,}-row import in the child process failed")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # getrusage(RUSAGE_CHILDREN) would be the natural measure, but on Linux a child's ru_maxrss starts from the
    # parent's high-water mark (fork and exec carry it over: a parent at 1 GiB after the peer run makes every
    # child "use" 1 GiB). The child's own VmHWM (its address space since exec) is what the import used.
    peak_kib = out["vmhwm_kib"] or resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if out["added"] != n:
        raise SystemExit(f"ledger-import: the child imported {out['added']} rows of {n}")
    limits = ""
    if out["raised"]:
        limits = f", limits raised for it: {', '.join(out['raised'])}"
    slow = " (over 10 minutes)" if out["seconds"] > 600 else ""
    print(
        f"ledger-import: child finished in {wall:.0f} s (import {out['seconds']:.0f} s: preview "
        f"{out['preview_s']:.0f} s, commit {out['commit_s']:.0f} s); its VmHWM {out['vmhwm_kib'] / 1024:.0f} MiB, "
        f"RUSAGE_CHILDREN ru_maxrss {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB "
        f"(includes this process's own high-water mark)",
        file=sys.stderr,
        flush=True,
    )
    return (
        f"peak RSS {peak_kib / 1024:.0f} MiB importing {n:,} rows ({size / 2**20:.0f} MB file, "
        f"zhili {out['seconds']:.0f} s{slow}{limits})"
    )


def memory_child(job_id: int, size: int, n: int) -> None:
    """In the child: preview + commit one job, print a JSON line. The environment (throwaway database, data
    directory) is the parent's: configure_django() already pointed it there."""
    import django

    django.setup()
    from django.conf import settings

    from zhili.imports.models import ImportJob
    from zhili.people.scope import Scope

    raised = []
    max_mb = getattr(settings, "ZHILI_IMPORT_MAX_MB", 50)
    if size > max_mb * 2**20:
        settings.ZHILI_IMPORT_MAX_MB = size // 2**20 + 1
        raised.append(f"ZHILI_IMPORT_MAX_MB {max_mb}→{settings.ZHILI_IMPORT_MAX_MB}")
    max_rows = getattr(settings, "ZHILI_IMPORT_MAX_ROWS", 1_000_000)
    if n + 2 > max_rows:  # the title and the header count as rows too
        settings.ZHILI_IMPORT_MAX_ROWS = n + 2
        raised.append(f"ZHILI_IMPORT_MAX_ROWS {max_rows:,}→{n + 2:,}")
    job = ImportJob.objects.select_related("region", "uploaded_by").get(pk=job_id)
    actor = job.uploaded_by
    scope = Scope(person_id=actor.pk, is_superuser=True)
    from zhili.imports import pipeline

    t0 = time.perf_counter()
    summary = pipeline.preview(job, scope, person=actor)
    t1 = time.perf_counter()
    if summary.errors or job.status != "previewed":
        raise SystemExit(f"preview refused: {job.message or job.problems[:3]}")
    result = pipeline.commit(job, scope, actor=actor, batched=True)
    t2 = time.perf_counter()
    vmhwm_kib = 0
    try:  # Linux: the peak resident set of this process since exec
        with open("/proc/self/status", encoding="ascii") as status:
            vmhwm_kib = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        pass
    print(
        json.dumps(
            {
                "seconds": t2 - t0,
                "preview_s": t1 - t0,
                "commit_s": t2 - t1,
                "added": result.add,
                "raised": raised,
                "vmhwm_kib": vmhwm_kib,
            }
        )
    )


# ---- the benchmark ---------------------------------------------------------------------------------


def _time(fn) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


@bench.register(
    "ledger-import",
    "a 100,000-row × 12-column .xlsx imported into a ledger (preview + commit) "
    "against calamine + executemany, django-import-export as a peer, peak memory at 1,000,000 rows",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from zhili.excel.values import parse_identity

    n = args.li_rows
    t_setup = time.perf_counter()
    sub, names, actor, scope, ledger, raw_ledger = build(VILLAGES)
    regions = region_lookup(sub)
    path, name = media_path(ledger.code, f"households-{n}.xlsx")
    t_write = write_file(path, n, names)
    warm_path, warm_name = media_path(ledger.code, "warm-up.xlsx")
    write_file(warm_path, 200, names)
    sample = next(rows(1, names))[2]
    if parse_identity(sample).value != sample.upper():
        raise SystemExit("ledger-import: the generated identity numbers do not pass Zhili's GB 11643 check")
    print(
        f"ledger-import: {n:,}-row file written in {t_write:.1f} s ({path.stat().st_size / 2**20:.1f} MB); "
        f"setup {time.perf_counter() - t_setup:.1f} s",
        file=sys.stderr,
        flush=True,
    )

    def zhili_run(file_name):
        job = new_job(ledger, file_name, actor)
        return _time(lambda: zhili_import(job, scope, actor))

    def baseline_run(file_path):
        return _time(lambda: baseline_import(file_path, raw_ledger, regions, actor.pk))

    client = person_client(actor)

    def flow_run(file_path):
        gc.collect()
        return upload_to_done(client, ledger, file_path)

    # warm-up (code paths, caches, the connection, the pages' templates), then a correctness check on the full file
    zhili_run(warm_name)
    baseline_run(warm_path)
    delete_rows(ledger)
    flow_run(warm_path)
    delete_rows(ledger)
    delete_rows(raw_ledger)

    best_z = best_b = best_f = float("inf")
    best_steps: dict[str, float] = {}
    warnings = 0
    for i in range(max(1, args.repeat)):
        t_z, (preview, committed) = zhili_run(name)
        t_b, written = baseline_run(path)
        if committed.add != n or written != n:
            raise SystemExit(f"ledger-import: Zhili added {committed.add} rows, the baseline {written}, of {n}")
        expected = stored_rows(raw_ledger) if i == 0 else {}
        if i == 0:
            _same_rows("Zhili's rows", stored_rows(ledger), expected)
            warnings = preview.warnings
        delete_rows(ledger)
        t_f, steps, job = flow_run(path)
        if job.summary.get("add") != n:
            raise SystemExit(f"ledger-import: upload-to-done added {job.summary.get('add')} rows of {n}")
        if i == 0:
            _same_rows("the rows of upload-to-done", stored_rows(ledger), expected)
        print(
            f"ledger-import: run {i + 1}: zhili {t_z:.2f} s, baseline {t_b:.2f} s, upload-to-done {t_f:.2f} s ("
            + ", ".join(f"{k} {v:.2f}" for k, v in steps.items())
            + ")",
            file=sys.stderr,
            flush=True,
        )
        best_z, best_b = min(best_z, t_z), min(best_b, t_b)
        if t_f < best_f:
            best_f, best_steps = t_f, steps
        delete_rows(ledger)
        delete_rows(raw_ledger)
        job.file.delete(save=False)  # the stored upload (its plan was deleted by the commit)

    notes = [
        "upload-to-done "
        + ", ".join(f"{k} {v:.2f} s" for k, v in best_steps.items())
        + " (the worker's polling interval not counted)"
    ]
    if args.li_skip_peer:
        notes.append("django-import-export skipped (--li-skip-peer)")
    elif not peer_available():
        print(
            "ledger-import: django-import-export is not installed; the peer comparison is skipped. Install it "
            "with: pip install -e '.[bench]'",
            file=sys.stderr,
            flush=True,
        )
        notes.append("django-import-export not installed, peer skipped (pip install -e '.[bench]')")
    else:
        peer_create_table()
        for tuned, label in ((False, "django-import-export"), (True, "django-import-export tuned")):
            if not tuned and args.li_skip_plain_peer:
                notes.append("django-import-export as its admin skipped (--li-skip-plain-peer)")
                continue
            peer_import(warm_path, 200, tuned=tuned)
            peer_delete()
            best_p, best_parts = float("inf"), [0.0, 0.0]
            for i in range(max(1, args.li_peer_repeat)):
                print(f"ledger-import: {label} importing …", file=sys.stderr, flush=True)
                t_p, parts = _time(lambda tuned=tuned: peer_import(path, n, tuned=tuned))
                print(
                    f"ledger-import: {label} run {i + 1}: {t_p:.2f} s (dry run {parts[0]:.2f} s, "
                    f"import {parts[1]:.2f} s)",
                    file=sys.stderr,
                    flush=True,
                )
                if t_p < best_p:
                    best_p, best_parts = t_p, parts
                peer_delete()
            notes.append(
                f"{label} factor: Zhili is {best_p / best_z:.1f}× faster "
                f"({label} {best_p:.1f} s: dry run {best_parts[0]:.1f} s + import {best_parts[1]:.1f} s)"
            )

    if args.li_profile:
        profile(args.li_profile, lambda: zhili_run(name))
        delete_rows(ledger)

    if args.li_skip_memory:
        notes.append("peak memory skipped (--li-skip-memory)")
    else:
        notes.append(memory_run(sub, names, actor, scope, args.li_memory_rows))
    notes.append(bench.database_description())
    kinds = [
        ("import", best_z, f"{n:,} rows × 12 columns, {warnings:,} warnings (retired area codes): preview + commit"),
        (
            "upload-to-done",
            best_f,
            "the same file through the pages and the worker: upload, check, preview page, confirm, write, done page",
        ),
    ]
    comparisons = [
        bench.Comparison(kind, zhili_s=t, baseline_s=best_b, zhili_iterations=1, baseline_iterations=1, note=note)
        for kind, t, note in kinds
    ]
    return bench.Report(
        comparisons,
        notes=notes,
        description=f"preview + commit of {n:,} rows × 12 columns and the whole upload-to-done flow (geometric mean "
        f"of the two ratios), best of {max(1, args.repeat)}",
    )


def _same_rows(what: str, got: dict, expected: dict) -> None:
    if got != expected:
        diff = next((k for k in expected if got.get(k) != expected[k]), None)
        raise SystemExit(
            f"ledger-import: {what} and the baseline's differ, e.g. key {diff}: {got.get(diff)} vs {expected.get(diff)}"
        )


def profile(out: str, fn) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    fn()
    profiler.stop()
    Path(out).write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    print(f"ledger-import: profile written to {out}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--memory-child":
        memory_child(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: python -m bench ledger-import (this module's own entry point is the memory child)")
