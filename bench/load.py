"""load: the site under rising concurrency — gunicorn on loopback, driven by locust from a process of its own.

Not a ratio against a baseline like the other benchmarks: throughput and latency per step of simulated users,
the knee (the lowest number of users whose 95th-percentile latency passes one second), the errors below it, and
lost writes (writes the client saw succeed that are not in the database afterwards).

Data: the cases-list city (`bench.cases_list.build`: `build_city` with `--ld-villages` villages, default 500,
4 grids each, the default categories and four units in every subdistrict, `--ld-cases` cases, "today"
2020-12-20), and in subdistrict 1: one leader per simulated user (role 领导 there, a known password stored as an
MD5 hash — bench/_load_settings.py says why), a 2020 goal with `LD_INDICATORS` weekly indicators decomposed to its
current villages, and a village ledger with two rows of each leader's own plus background rows.

Run: gunicorn (`zhili.wsgi:application`, `--ld-workers`, default 2 × cores, sync workers, 127.0.0.1 on a free
port, DJANGO_SETTINGS_MODULE=bench._load_settings) on the benchmark's throwaway database; then
`python -m bench._load_driver` (locust's LocalRunner, FastHttpUser) with the plan written here, one step per
`--steps` entry, each `--step-seconds` long, after the step's new users have signed in. The driver writes one
line per request; everything is computed here from those lines. See bench/README.md "load".
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import io
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import bench

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-bench-password"
LD_INDICATORS = 40
KNEE_MS = 1000.0
SLOT_DAYS = ("2020-12-10", "2020-12-17")  # two weeks still open for reporting on "today" 2020-12-20
# request kinds in the order printed; sign-ins happen between steps and are shown apart
KINDS = (
    "home",
    "cases-list",
    "ledger-rows",
    "targets-board",
    "case-form",
    "case-report",
    "progress-form",
    "progress-report",
    "ledger-form",
    "ledger-edit",
)
WRITES = {"case-report": "cases", "progress-report": "progress entries", "ledger-edit": "ledger row edits"}
LEDGER_FIELDS = [
    {"key": "village", "label": "村", "type": "region", "required": True},
    {"key": "name", "label": "户主姓名", "type": "text", "required": True},
    {"key": "count", "label": "家庭人口", "type": "integer", "unit": "人", "min": 1, "max": 20},
    {"key": "note", "label": "备注", "type": "text"},
]


def add_arguments(group) -> None:
    group.add_argument(
        "--steps", default="1,2,4,8,16,32", help="simulated users per step, rising (default 1,2,4,8,16,32)"
    )
    group.add_argument("--step-seconds", type=float, default=25.0, help="length of each step (default 25)")
    group.add_argument("--plot", metavar="PATH", help="write a PNG of p95 and throughput against users")
    group.add_argument("--ld-villages", type=int, default=500, help="villages in the city (default 500)")
    group.add_argument("--ld-cases", type=int, default=20000, help="cases loaded before the run (default 20000)")
    group.add_argument(
        "--ld-workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers (default 2 × cores)"
    )
    group.add_argument(
        "--ld-warmup",
        type=float,
        default=10.0,
        help="seconds of unmeasured load before the first step, one user per worker (default 10)",
    )
    group.add_argument("--ld-think", type=float, default=0.0, help="seconds a user waits between tasks (default 0)")
    group.add_argument(
        "--ld-max-requests", type=int, default=200_000, help="stop the run after this many requests (default 200000)"
    )


# ---- data -----------------------------------------------------------------------------------------


@dataclass
class Plan:
    data: dict
    ledger_rows: list[int]
    setup_s: float
    note: str = ""


def build(args, users: int, workdir: Path) -> Plan:
    from django.db import transaction
    from django.test.utils import override_settings

    from bench.cases_list import build as build_cases
    from zhili.cases.models import Category
    from zhili.ledgers.actions import do_add_row, do_define_ledger
    from zhili.ledgers.models import LedgerRow
    from zhili.people.models import Person, Role, RoleAssignment
    from zhili.people.scope import Scope
    from zhili.regions.models import Level, Region
    from zhili.targets.models import Goal, Indicator, PeriodType, Share, Task

    t0 = time.perf_counter()
    w = build_cases(args.ld_villages, 4, args.ld_cases)
    sub = w.sub
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        from django.contrib.auth.hashers import make_password

        hashed = make_password(PASSWORD)
    # the villages and grids of "today": build_city's merged village opens only on 2021-01-01, after it
    today = datetime.date.fromisoformat(SLOT_DAYS[-1])
    current = {"valid_to__isnull": True, "valid_from__lte": today}
    villages = list(Region.objects.filter(parent=sub, level=Level.VILLAGE, **current).order_by("code"))
    grids = list(Region.objects.filter(level=Level.GRID, parent__parent=sub, **current).order_by("code")[:200])
    with transaction.atomic():
        leaders = Person.objects.bulk_create(
            [
                Person(
                    username=f"load-leader-{i}",
                    full_name=f"压测领导{i}",
                    region=sub,
                    password=hashed,
                    is_synthetic=True,
                )
                for i in range(users)
            ]
        )
        RoleAssignment.objects.bulk_create([RoleAssignment(person=p, role=Role.LEADER, region=sub) for p in leaders])
        goal = Goal.objects.create(region=sub, year=2020, level_name="攻坚战", code="9", title="压测目标")
        task = Task.objects.create(
            goal=goal,
            code="9.1",
            title="压测任务",
            start=datetime.date(2020, 1, 1),
            deadline=datetime.date(2020, 12, 31),
        )
        indicators = Indicator.objects.bulk_create(
            [
                Indicator(
                    task=task,
                    code=f"9.1.{k + 1}",
                    name=f"压测指标{k + 1}",
                    unit="个",
                    target=Decimal(len(villages) * 100),
                    decomposition="villages",
                    period_type=PeriodType.WEEK,
                    cumulative=False,
                    order=k,
                )
                for k in range(LD_INDICATORS)
            ]
        )
        Share.objects.bulk_create(
            [
                Share(indicator=ind, subdistrict=sub, region=v, target=Decimal(100))
                for ind in indicators
                for v in villages
            ]
        )
        actor = leaders[0]
        scope = Scope(person_id=actor.pk, is_superuser=True)
        ledger = do_define_ledger(
            region=sub,
            data={"code": "load-households", "name": "压测户台账", "level": "village", "fields": LEDGER_FIELDS},
            actor=actor,
            scope=scope,
        )
        users_data = []
        own_rows = []
        for i, person in enumerate(leaders):
            rows = []
            for j in range(2):
                village = villages[(2 * i + j) % len(villages)]
                values = {"village": village.name, "name": f"户主{i}-{j}", "count": "3"}
                row = do_add_row(ledger, {**values, "note": ""}, actor=actor, scope=scope)
                rows.append({"pk": row.pk, "values": values})
                own_rows.append(row.pk)
            users_data.append({"username": person.username, "rows": rows})
        template = LedgerRow.objects.get(pk=own_rows[0])
        LedgerRow.objects.bulk_create(
            [
                LedgerRow(
                    ledger=ledger,
                    subdistrict_id=ledger.region_id,
                    version=template.version,
                    region_id=villages[k % len(villages)].pk,
                    data={**template.data, "village": villages[k % len(villages)].code, "name": f"背景户{k}"},
                    created_by=actor,
                    modified_by=actor,
                )
                for k in range(1000)
            ],
            batch_size=1000,
        )
    slots = [(ind.pk, v.pk, day) for day in SLOT_DAYS for ind in indicators for v in villages]
    random.Random(17).shuffle(slots)
    category = Category.objects.filter(subdistrict=sub, parent__isnull=False).order_by("code").first()
    jpeg = workdir / "photo.jpg"
    jpeg.write_bytes(_jpeg())
    data = {
        "password": PASSWORD,
        "users": users_data,
        "ledger_url": f"/ledgers/{ledger.code}/",
        "category": category.pk,
        "points": [[str(g.center_lng), str(g.center_lat)] for g in grids],
        "slots": slots,
        "jpeg": str(jpeg),
    }
    setup_s = time.perf_counter() - t0
    _progress(
        f"built {len(villages)} villages in the measured subdistrict ({args.ld_villages} in the city), "
        f"{args.ld_cases:,} cases, {users} leaders, {LD_INDICATORS} indicators ({len(slots):,} report slots), "
        f"ledger rows {len(own_rows) + 1000} in {setup_s:.1f} s"
    )
    return Plan(data=data, ledger_rows=own_rows, setup_s=setup_s)


def _jpeg() -> bytes:
    """A small real photo-sized JPEG (Pillow), as a phone would send after downscaling: ~10 KB."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (120, 160, 90))
    draw = ImageDraw.Draw(img)
    for k in range(0, 320, 16):
        draw.line([(k, 0), (320 - k, 240)], fill=(k % 255, 80, 200 - k % 200), width=3)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _progress(message: str) -> None:
    print(f"load: {message}", file=sys.stderr, flush=True)


# ---- the server and the driver ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int, workdir: Path):
    """gunicorn serving zhili.wsgi:application on 127.0.0.1:<free port>; yields the base URL."""
    port = _free_port()
    log = workdir / "gunicorn.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench._load_settings"}
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "zhili.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--timeout",
        "120",
        "--error-logfile",
        str(log),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"load: gunicorn exited ({proc.returncode}):\n{_tail(log)}")
            try:
                with urllib.request.urlopen(url + "/login/", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"load: gunicorn did not answer within 60 s:\n{_tail(log)}")
            time.sleep(0.2)
        _progress(f"gunicorn ({workers} workers) on {url}")
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def drive(plan: Plan, url: str, args, steps: list[int], workdir: Path) -> list[dict]:
    # not imported here: locust's gevent patches threads and sockets at import, under Django's connections
    if importlib.util.find_spec("locust") is None:
        raise SystemExit("load: locust is not installed: pip install locust (or the bench extra, '.[bench]')")
    plan_path, events_path = workdir / "plan.json", workdir / "events.jsonl"
    total = len(steps) * args.step_seconds + args.ld_warmup
    plan_path.write_text(
        json.dumps(
            {
                **plan.data,
                "host": url,
                "steps": steps,
                "step_seconds": args.step_seconds,
                "think": args.ld_think,
                "warmup_users": args.ld_workers,
                "warmup_seconds": args.ld_warmup,
                "max_requests": args.ld_max_requests,
                "max_seconds": total + 30 * len(steps),
            }
        ),
        encoding="utf-8",
    )
    _progress(f"driving {steps} users, {args.step_seconds:g} s a step (about {total:.0f} s) …")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ZHILI_"))}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench._load_driver", str(plan_path), str(events_path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=total + 60 * len(steps) + 60,
        )
    except subprocess.TimeoutExpired:
        raise SystemExit("load: the driver did not finish in time") from None
    if proc.returncode != 0:
        raise SystemExit(f"load: the driver failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    if proc.stderr.strip():
        _progress("driver said:\n" + proc.stderr[-3000:])
    return [json.loads(line) for line in events_path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- figures --------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (the smallest value with at least p % of the values at or below it)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Cell:
    count: int = 0
    errors: int = 0
    ms: list[float] = field(default_factory=list)


@dataclass
class Step:
    users: int
    seconds: float
    kinds: dict[str, Cell] = field(default_factory=dict)
    overall: Cell = field(default_factory=Cell)

    def rps(self, cell: Cell) -> float:
        return cell.count / self.seconds if self.seconds else 0.0


def analyse(records: list[dict]) -> tuple[list[Step], dict[str, set[str]], list[str]]:
    steps: dict[int, Step] = {}
    acked: dict[str, set[str]] = {kind: set() for kind in WRITES}
    samples: list[str] = []
    for r in records:
        if "step_end" in r:
            steps[r["step_end"]] = Step(users=r["users"], seconds=r["seconds"])
    for r in records:
        if "kind" not in r:
            continue
        if r["ok"] and r["ack"] and r["kind"] in acked:
            acked[r["kind"]].add(r["ack"])
        if not r["ok"] and len(samples) < 5:
            samples.append(f"{r['kind']}: {r['error']}")
        step = steps.get(r["step"]) if r["step"] is not None else None
        if step is None or r["kind"].startswith("login"):
            continue
        for cell in (step.kinds.setdefault(r["kind"], Cell()), step.overall):
            cell.count += 1
            cell.errors += 0 if r["ok"] else 1
            cell.ms.append(r["ms"])
    return [steps[i] for i in sorted(steps)], acked, samples


def lost_writes(acked: dict[str, set[str]], ledger_rows: list[int]) -> dict[str, tuple[int, int]]:
    """Per kind of write: (acknowledged, found in the database). A write is found by the marker it carried."""
    from collections import Counter

    from zhili.cases.models import Case
    from zhili.core.models import AuditEntry
    from zhili.ledgers.models import LedgerRow
    from zhili.targets.models import Entry

    out = {}
    cases = set(Case.objects.filter(client_ref__startswith="load-case-").values_list("client_ref", flat=True))
    with_photo = set(
        Case.objects.filter(client_ref__startswith="load-case-", photos__isnull=False).values_list(
            "client_ref", flat=True
        )
    )
    out["case-report"] = (len(acked["case-report"]), len(acked["case-report"] & cases & with_photo))
    entries = set(Entry.objects.filter(note__startswith="load-progress-").values_list("note", flat=True))
    out["progress-report"] = (len(acked["progress-report"]), len(acked["progress-report"] & entries))
    # an edit leaves the row's revision one higher and one audit entry; both must account for every
    # acknowledged edit of the row (an edit the client never saw acknowledged may be there too)
    per_row = Counter(int(a.split(":", 1)[0]) for a in acked["ledger-edit"])
    revisions = dict(LedgerRow.objects.filter(pk__in=ledger_rows).values_list("pk", "revision"))
    audited = Counter(
        int(pk)
        for pk in AuditEntry.objects.filter(
            action="ledger.row.edit", object_type="ledgers.ledgerrow", object_id__in=[str(p) for p in ledger_rows]
        ).values_list("object_id", flat=True)
    )
    found = sum(min(n, revisions.get(pk, 1) - 1, audited.get(pk, 0)) for pk, n in per_row.items())
    out["ledger-edit"] = (len(acked["ledger-edit"]), found)
    return out


def knee_of(steps: list[Step]) -> tuple[Step | None, list[Step]]:
    """The first step whose overall p95 passes one second, and the steps below it."""
    for i, s in enumerate(steps):
        if percentile(s.overall.ms, 95) > KNEE_MS:
            return s, steps[:i]
    return None, steps


def table(steps: list[Step]) -> list[str]:
    head = f"  {'users':>5} {'kind':<16} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    lines = [head]
    for s in steps:
        for name, cell in [("ALL", s.overall), *[(k, s.kinds[k]) for k in KINDS if k in s.kinds]]:
            lines.append(
                f"  {s.users:>5} {name:<16} {cell.count:>8} {s.rps(cell):>7.1f} {percentile(cell.ms, 50):>8.0f}"
                f" {percentile(cell.ms, 95):>8.0f} {percentile(cell.ms, 99):>8.0f}"
                f" {cell.errors:>7}" + (f" ({cell.errors / cell.count:.1%})" if cell.errors and cell.count else "")
            )
    return lines


def plot(steps: list[Step], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = [s.users for s in steps]
    fig, left = plt.subplots(figsize=(7, 4), dpi=120)
    left.plot(users, [percentile(s.overall.ms, 95) for s in steps], "o-", color="tab:red", label="p95 (ms)")
    left.plot(users, [percentile(s.overall.ms, 50) for s in steps], "o--", color="tab:orange", label="p50 (ms)")
    left.axhline(KNEE_MS, color="grey", linewidth=0.8, linestyle=":")
    left.set_xscale("log", base=2)
    left.set_xticks(users, [str(u) for u in users])
    left.set_xlabel("simulated users (no think time)")
    left.set_ylabel("latency, all requests (ms)")
    right = left.twinx()
    right.plot(users, [s.rps(s.overall) for s in steps], "s-", color="tab:blue", label="throughput (req/s)")
    right.set_ylabel("throughput (req/s)")
    right.set_ylim(bottom=0)
    left.set_ylim(bottom=0)
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    left.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)
    left.set_title(title, fontsize=9)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# ---- the benchmark ----------------------------------------------------------------------------------


@bench.register(
    "load",
    "gunicorn on loopback under rising simulated users (locust): req/s, p50/p95/p99, knee, errors, lost writes",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from django.db import connections

    steps = [int(x) for x in str(args.steps).split(",") if x.strip()]
    if not steps or min(steps) < 1 or steps != sorted(steps):
        raise SystemExit("load: --steps must be rising numbers of users, e.g. 1,2,4,8")
    with tempfile.TemporaryDirectory(prefix="zhili-load-") as tmp:
        workdir = Path(tmp)
        plan = build(args, max(steps) + args.ld_workers, workdir)
        database = bench.database_description()
        connections.close_all()  # the server's workers are the only ones using the database from here
        started = datetime.datetime.now(datetime.UTC)
        load_before = os.getloadavg()[0]
        with gunicorn(args.ld_workers, workdir) as (url, log):
            records = drive(plan, url, args, steps, workdir)
            server_log = _tail(log, 10)
        load_after = os.getloadavg()[0]
        measured, acked, samples = analyse(records)
        writes = lost_writes(acked, plan.ledger_rows)
    if not measured:
        raise SystemExit("load: no step was measured")
    unmeasured = [r for r in records if "kind" in r and r["step"] is None]
    knee, below = knee_of(measured)
    shown = knee or measured[-1]
    errors = sum(s.overall.errors for s in below)
    lost = sum(max(0, a - f) for a, f in writes.values())
    if samples:
        _progress("first errors: " + " | ".join(samples))
        _progress("gunicorn log (tail):\n" + server_log)
    lines = table(measured)
    lines.append(f"  {'writes':<22} {'acknowledged':>12} {'found':>8} {'lost':>6}")
    for kind, (a, f) in writes.items():
        lines.append(f"  {WRITES[kind]:<22} {a:>12} {f:>8} {max(0, a - f):>6}")
    lines.append(
        f"  unmeasured (warm-up, sign-ins, between steps): {len(unmeasured)} requests,"
        f" {sum(not r['ok'] for r in unmeasured)} errors"
    )
    cores = os.cpu_count() or 1
    lines.append(
        f"  {database}; {args.ld_villages:,} villages, {args.ld_cases:,} cases; gunicorn {args.ld_workers} sync workers,"
        f" {cores} cores shared with the driver (load average {load_before:.1f} before, {load_after:.1f} after);"
        f" {args.step_seconds:g} s a step, think time {args.ld_think:g} s;"
        f" run at {started:%Y-%m-%d %H:%M} UTC; knee = first step with p95 > {KNEE_MS:.0f} ms"
        + ("" if knee else " (none reached)")
    )
    if args.plot:
        plot(measured, args.plot, f"Zhili under load — {database.split(' (')[0]}, {cores} cores, {started:%Y-%m-%d}")
        _progress(f"plot written to {args.plot}")
    knee_text = str(knee.users) if knee else f">{measured[-1].users}"
    lines.append(f"load: knee={knee_text} p95={percentile(shown.overall.ms, 95):.0f}ms errors={errors} lost={lost}")
    if lost:  # as other benchmarks fail when Zhili's result differs from the baseline's: a correctness failure
        print("\n".join(lines), flush=True)
        raise SystemExit(f"load: {lost} acknowledged writes are not in the database")
    return bench.Report(comparisons=[], lines=lines)
