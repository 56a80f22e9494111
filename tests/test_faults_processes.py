"""Processes killed with SIGKILL in the middle of their work lose nothing (issue 17, "faults that lose nothing"),
among real processes on a database of their own (tests/fault_harness.py; the pattern of
tests/test_imports_processes.py, which covers a ledger import killed while checking and while writing):

- a tax-receipt import killed inside its commit: no receipt is seen, the next worker takes the job over and
  writes every receipt once;
- the weekly bulletin's run killed while publishing: the week stays unpublished with no chat message queued, the
  next worker takes the run over (its lease ran out) and publishes it once, and its messages go once;
- a chat delivery killed after the robot accepted the message but before the part was marked sent, and one
  killed before the message went: neither is ever sent again by itself (a WeCom or DingTalk robot has no
  idempotency key, so a part that may have arrived is 无法确认 with a sentence asking a person to check the group);
  the person's 重新发送 sends the one that had not arrived, once.
"""

from __future__ import annotations

import json
import os
import signal

import pytest

from tests.own_database import Process, own_database
from tests.robot_server import RobotServer

pytestmark = pytest.mark.xdist_group("own-databases")

LEASE = {"FAULT_LEASE_SECONDS": "2", "ZHILI_IMPORT_LEASE_SECONDS": "2"}


class FaultHarness(Process):
    harness = "tests.fault_harness"
    environment = {"ZHILI_IMPORT_BACKGROUND_KB": "0"}

    def kill_at(self, point: str) -> None:
        """A worker round that is killed (SIGKILL) once it reaches `point`."""
        proc = self.start("work", point, **LEASE)
        for line in proc.stdout or ():
            if line.strip() == f"at {point}":
                break
        else:
            proc.wait(timeout=30)
            raise AssertionError(f"never reached {point}: {(proc.stderr.read() if proc.stderr else '')[-3000:]}")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def chain(self, *commands: str) -> list[dict]:
        """Commands run one after the other in one process (" + "): what each printed last."""
        proc = self.start(*" + ".join(commands).split(), **LEASE)
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr[-3000:]
        return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    with own_database(tmp_path_factory.mktemp("faults"), "faults") as (directory, database_url):
        fh = FaultHarness(directory, database_url)
        fh.run("setup")
        yield fh


@pytest.fixture(scope="module")
def server():
    with RobotServer() as s:
        yield s


def test_a_tax_receipt_import_killed_while_writing_leaves_nothing_and_the_next_worker_finishes(harness, tmp_path):
    path = str(tmp_path / "receipts.csv")
    job = harness.chain(f"receipts-file {path} 300", f"receipts-start {path}")[-1]["job"]
    harness.kill_at("receipts-add")
    # then the dead worker's lease runs out, and the next worker takes the job over
    killed, worked, state = harness.chain(f"receipts-state {job}", "sleep 2.5", "work", f"receipts-state {job}")
    assert killed["status"] == "committing" and killed["written"] == 0, killed  # the transaction died with it
    assert worked["done"] >= 1
    assert state["status"] == "done" and state["visible"] == state["keys"] == 300, state  # whole, nothing twice


def test_the_bulletin_run_killed_while_publishing_publishes_once_when_taken_over(harness, server):
    week = "2020-W40"
    harness.run("bulletin-queue", server.dingtalk_url, server.dingtalk_secret, week)
    harness.kill_at("publish")
    # then the run's lease runs out and the next worker takes it over; the messages publishing queued go in the
    # round after
    killed, _first, _second, state = harness.chain(
        f"bulletin-state {week}", "sleep 2.5", "work", "work", f"bulletin-state {week}"
    )
    # the draft was built and committed on its own; publishing (and the messages it queued) died with the process
    assert killed["run"]["status"] == "running", killed
    assert killed["snapshots"] == [[1, "draft"]] and killed["deliveries"] == [], killed
    assert state["run"] == {"status": "done", "attempts": 2, "error": ""}, state
    assert state["snapshots"] == [[1, "published"]], state  # the draft published in place, no second version
    parts = state["deliveries"]
    assert parts and {d["status"] for d in parts} == {"sent"}, parts
    assert len(server.accepted("dingtalk")) == len(parts)  # each part once


def test_a_delivery_killed_after_the_robot_took_it_is_never_posted_twice(harness, server):
    week = "2020-W41"
    before = len(server.accepted("dingtalk"))
    harness.chain(f"published {week} {server.dingtalk_url} {server.dingtalk_secret}")
    harness.kill_at("robot-sent")
    assert len(server.accepted("dingtalk")) == before + 1  # in the group
    state = harness.chain("work", "work", f"bulletin-state {week}")[-1]
    first = state["deliveries"][0]
    assert first["status"] == "uncertain" and first["outcomes"] == ["sending"], first
    assert "发送过程中断，无法确认是否送达" in first["sentence"], first
    assert len(server.accepted("dingtalk")) == before + 1  # not sent again by itself


def test_a_delivery_killed_before_sending_waits_for_a_person_and_goes_once(harness, server):
    week = "2020-W42"
    before = len(server.accepted("dingtalk"))
    harness.chain(f"published {week} {server.dingtalk_url} {server.dingtalk_secret}")
    harness.kill_at("robot-sending")
    state = harness.chain("work", f"bulletin-state {week}")[-1]
    first = state["deliveries"][0]
    # the worker cannot know it had not sent yet: the same honest state as above, no message meanwhile
    assert first["status"] == "uncertain" and "请先到群里查看" in first["sentence"], first
    assert len(server.accepted("dingtalk")) == before
    resent, *_work, state = harness.chain(f"resend {week}", "work", "work", f"bulletin-state {week}")
    assert resent["resent"] == [first["part"]]  # the person found nothing in the group
    assert {d["status"] for d in state["deliveries"]} == {"sent"}, state
    assert len(server.accepted("dingtalk")) == before + len(state["deliveries"])  # once each


def test_a_connection_cut_mid_request_is_a_503_saving_nothing_and_the_next_request_works(harness):
    """On PostgreSQL the backend is terminated from a second connection inside the action's transaction; on
    SQLite the next statement fails as a failing disk does."""
    (result,) = harness.chain("drop")[-1:]
    status, body = result["cut"]
    assert status == 503 and "数据库暂时无法连接，您刚才的操作没有保存" in body, result
    assert result["rows_after_cut"] == 0, result  # the row inserted before the cut was never committed
    assert result["next"] == 200 and result["again"] == 302 and result["rows"] == 1, result


def test_two_people_saving_the_same_record_at_once_one_wins_the_other_is_told(harness):
    """A ledger row and a case's step through their pages, a household and a target task through their actions:
    both loaded the same revision and submit at the same moment, on connections of their own."""
    row, case, household, task = harness.chain("race-row", "race-case", "race-household", "race-task")[-4:]
    assert row["statuses"] == [302, 409] and row["sentences"] == 1, row
    assert row["head"] in ("甲改的", "乙改的") and row["revision"] == 2, row  # one whole edit, not a mixture
    assert case["statuses"] == [302, 409] and case["sentences"] == 1, case
    assert case["events"] in (["report", "reject"], ["report", "accept"]), case  # one step taken, once
    assert household["statuses"] == [200, 409] and household["revision"] == 2, household
    assert task["statuses"] == [200, 409] and task["sentences"] == 1 and task["revision"] == 2, task
