"""The load generator of `python -m bench load`: locust (as a library) in a process of its own.

    python -m bench._load_driver PLAN.json EVENTS.jsonl

Run by bench/load.py, not by hand. It imports locust, whose gevent patches threads and sockets at import: the
benchmark process, with Django's database connections, must never import it — hence a process of its own, and the
leading underscore that keeps `python -m bench` from importing this module when it collects the benchmarks. It
reads the plan the benchmark wrote (host, people, ids to use, steps), runs an unmeasured warm-up (one user per
gunicorn worker: first requests import, compile templates, connect), then raises the number of simulated users
step by step with a LocalRunner; a step is measured from when its users are running and signed in.
Every finished request is one JSON line in EVENTS: step, kind, milliseconds, status, ok, and for a write the
client saw succeed (a redirect after the POST) the marker it carried, so the benchmark can look for that very
row in the database afterwards. Lines are written as requests finish; nothing is aggregated here.

Each simulated user is a subdistrict leader of its own who signs in once (GET the form, POST it with the CSRF
token the form carries) and then, with no pause between tasks unless the plan gives one, picks a task by weight:
- home (the leader's cockpit `/`), cases-list, ledger-rows (the ledger's rows page), targets-board;
- case: GET /cases/report/, POST it (multipart) with a small JPEG photo, a point inside one of the
  subdistrict's grids and a client_ref marker;
- progress: GET the indicator's page, POST /targets/indicators/<pk>/report/ for one (indicator, village,
  week) that no other user reports for, the marker in the note;
- ledger-edit: GET the user's own row's edit form, read its revision, POST the row with a new note (the
  marker). Rows are the user's own, so an edit never meets another user's (a 409 here is an error).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import time

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')
ALERTS = re.compile(r'(?:role="alert"|class="errorlist[^"]*")[^>]*>(.*?)</(?:div|ul)>', re.S)
TAGS = re.compile(r"<[^>]+>")

PLAN: dict = {}
STATE = {"step": None, "stop": False, "requests": 0}
OUT = None
USER_NUMBERS = itertools.count()
SLOTS = itertools.count()
SERIAL = itertools.count()


def _write(record: dict) -> None:
    OUT.write(json.dumps(record, ensure_ascii=False) + "\n")


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, response, exception, context, **kw):
    STATE["requests"] += 1
    # every request is written, also during the warm-up and between steps (step None: not measured), so that
    # every write the client saw acknowledged is looked for in the database
    _write(
        {
            "step": STATE["step"],
            "kind": name,
            "ms": round(response_time, 3),
            "status": getattr(response, "status_code", 0) or 0,
            "ok": exception is None,
            "error": str(exception)[:400] if exception else "",
            "ack": context.get("ack", ""),
        }
    )


def _reason(html: str) -> str:
    """What a refused page says (its alerts and field errors), for the error samples."""
    said = [" ".join(TAGS.sub(" ", m).split()) for m in ALERTS.findall(html)]
    return " | ".join(x for x in said if x)[:300] or html[:160]


def _token(html: str) -> str:
    found = TOKEN.search(html)
    return found.group(1) if found else ""


class Leader(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.n = next(USER_NUMBERS)
        me = PLAN["users"][self.n % len(PLAN["users"])]
        self.rows = me["rows"]
        self.row_turn = 0
        with self.client.get("/login/", name="login-form", catch_response=True) as r:
            token = _token(r.text or "")
        self._post(
            "/login/",
            "login",
            data={"username": me["username"], "password": PLAN["password"], "csrfmiddlewaretoken": token},
        )

    def _get(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"GET {url}: {r.status_code}")
                return ""
            return r.text or ""

    def _post(self, url: str, name: str, *, data=None, body=None, content_type=None, ack="") -> bool:
        headers = {"Content-Type": content_type} if content_type else {}
        context = {"ack": ack} if ack else {}
        with self.client.post(
            url,
            name=name,
            data=body if body is not None else data,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            context=context,
        ) as r:
            if r.status_code != 302:
                r.failure(f"POST {url}: {r.status_code} {_reason(r.text or '')}")
                return False
            return True

    def _marker(self, kind: str) -> str:
        return f"load-{kind}-s{STATE['step']}-u{self.n}-{next(SERIAL)}"

    @task(3)
    def home(self):
        self._get("/", "home")

    @task(2)
    def cases_list(self):
        self._get("/cases/", "cases-list")

    @task(2)
    def ledger_rows(self):
        self._get(PLAN["ledger_url"], "ledger-rows")

    @task(2)
    def targets_board(self):
        self._get("/targets/", "targets-board")

    @task(1)
    def case(self):
        from urllib3.filepost import encode_multipart_formdata

        token = _token(self._get("/cases/report/", "case-form"))
        if not token:
            return
        point = PLAN["points"][next(SERIAL) % len(PLAN["points"])]
        marker = self._marker("case")
        body, content_type = encode_multipart_formdata(
            [
                ("csrfmiddlewaretoken", token),
                ("category", str(PLAN["category"])),
                ("description", f"压力测试上报 {marker}"),
                ("lng", point[0]),
                ("lat", point[1]),
                ("address", ""),
                ("client_ref", marker),
                ("photos", ("photo.jpg", PLAN_JPEG, "image/jpeg")),
            ]
        )
        self._post("/cases/report/", "case-report", body=body, content_type=content_type, ack=marker)

    @task(1)
    def progress(self):
        slots = PLAN["slots"]
        slot = next(SLOTS)
        if slot >= len(slots):
            STATE["slots_exhausted"] = True
            slot %= len(slots)  # reused: the report is refused (already reported) and counted as an error
        indicator, region, day = slots[slot]
        token = _token(self._get(f"/targets/indicators/{indicator}/", "progress-form"))
        if not token:
            return
        marker = self._marker("progress")
        data = {"csrfmiddlewaretoken": token, "region": f"r{region}", "day": day, "value": "7", "note": marker}
        self._post(f"/targets/indicators/{indicator}/report/", "progress-report", data=data, ack=marker)

    @task(2)
    def ledger_edit(self):
        row = self.rows[self.row_turn % len(self.rows)]
        self.row_turn += 1
        url = f"{PLAN['ledger_url']}rows/{row['pk']}/"
        html = self._get(url, "ledger-form")
        token, revision = _token(html), REVISION.search(html)
        if not (token and revision):
            return
        marker = self._marker("ledger")
        data = {"csrfmiddlewaretoken": token, "revision": revision.group(1), **row["values"], "note": marker}
        self._post(url, "ledger-edit", data=data, ack=f"{row['pk']}:{marker}")


PLAN_JPEG = b""


def main(plan_path: str, events_path: str) -> int:
    global OUT, PLAN_JPEG
    with open(plan_path, encoding="utf-8") as f:
        PLAN.update(json.load(f))
    with open(PLAN["jpeg"], "rb") as f:
        PLAN_JPEG = f.read()
    Leader.host = PLAN["host"]
    Leader.wait_time = constant(PLAN.get("think", 0))
    OUT = open(events_path, "w", encoding="utf-8", buffering=1)
    env = Environment(user_classes=[Leader], host=PLAN["host"], events=events, catch_exceptions=True)
    runner = env.create_local_runner()
    deadline = time.monotonic() + PLAN["max_seconds"]
    try:
        # Warm-up, not measured: every worker's first requests import, compile templates and open its connection.
        if PLAN["warmup_seconds"] > 0:
            runner.start(PLAN["warmup_users"], spawn_rate=PLAN["warmup_users"] * 4)
            gevent.sleep(PLAN["warmup_seconds"])
        for i, users in enumerate(PLAN["steps"]):
            runner.start(users, spawn_rate=max(users, 1) * 4)
            settle = time.monotonic() + 30
            while runner.user_count < users and time.monotonic() < settle:
                gevent.sleep(0.05)
            gevent.sleep(0.5)  # the new users' sign-ins, outside the step
            started = time.time()
            STATE["step"] = i
            _write({"step_start": i, "users": users, "at": started})
            end = time.monotonic() + PLAN["step_seconds"]
            while time.monotonic() < end:
                if STATE["requests"] >= PLAN["max_requests"] or time.monotonic() > deadline:
                    STATE["stop"] = True
                    break
                gevent.sleep(0.1)
            _write({"step_end": i, "users": users, "at": time.time(), "seconds": time.time() - started})
            STATE["step"] = None
            if STATE["stop"]:
                break
    finally:
        runner.quit()
        _write({"done": True, "requests": STATE["requests"], "slots_exhausted": STATE.get("slots_exhausted", False)})
        OUT.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
