"""The closed loop, as data: which actions exist, from which states, to which state, and who may take them.

    上报 → 受理 | 不予受理 → 立案 | 作废 → 派遣 → 处置（处置后照片） → 反馈 → 核查（非处置人） → 结案
                                                   ↑______ 返工 ______|
    side paths: 延期 (申请 → 领导批准/驳回, the deadline moves), 挂账 / 恢复, 退回 (to the dispatcher), 合并 (duplicate)

A confidential tip runs the same loop among the subdistrict's tip officers (线索专管员): they dispatch, handle and
approve; verification still needs a second person.

Pages and the API both ask `available(case, scope)` for the buttons they offer and `check(action, case, scope)`
before acting, so an action that is not offered cannot be forced through a forged form or an API call.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhili.cases.models import Case, State
from zhili.people import policy
from zhili.people.scope import Scope

# Who: dispatcher (受理派遣: the center unit's officers and leaders), assignee (the dispatched unit's officers,
# the dispatched village's cadres, the named handler), verifier (dispatcher or the grid's inspector, never the
# person who handled it), leader (extensions).
DISPATCHER, ASSIGNEE, VERIFIER, LEADER = "dispatcher", "assignee", "verifier", "leader"


@dataclass(frozen=True)
class Step:
    action: str
    label: str  # lazily translated
    sources: frozenset[str]
    target: str | None  # None: the state does not change (extension requests and decisions)
    who: str
    needs_reason: bool = False
    style: str = ""  # "danger" for refusals, shown differently


STEPS: dict[str, Step] = {
    s.action: s
    for s in [
        Step("accept", _("受理"), frozenset({State.REPORTED}), State.ACCEPTED, DISPATCHER),
        Step("reject", _("不予受理"), frozenset({State.REPORTED}), State.REJECTED, DISPATCHER, True, "danger"),
        Step("merge", _("合并到主案件"), frozenset({State.REPORTED, State.ACCEPTED}), State.MERGED, DISPATCHER),
        Step("file", _("立案"), frozenset({State.ACCEPTED}), State.FILED, DISPATCHER),
        Step("void", _("作废"), frozenset({State.ACCEPTED}), State.VOID, DISPATCHER, True, "danger"),
        Step("dispatch", _("派遣"), frozenset({State.FILED}), State.DISPATCHED, DISPATCHER),
        Step("send_back", _("退回（派错了）"), frozenset({State.DISPATCHED}), State.FILED, ASSIGNEE, True, "danger"),
        Step("handle", _("处置"), frozenset({State.DISPATCHED}), State.HANDLED, ASSIGNEE),
        Step("feedback", _("反馈"), frozenset({State.HANDLED}), State.FEEDBACK, ASSIGNEE),
        Step("verify", _("核查通过"), frozenset({State.FEEDBACK}), State.VERIFIED, VERIFIER),
        Step("rework", _("返工"), frozenset({State.FEEDBACK}), State.DISPATCHED, VERIFIER, True, "danger"),
        Step("close", _("结案"), frozenset({State.VERIFIED}), State.CLOSED, DISPATCHER),
        Step("park", _("挂账"), frozenset({State.FILED, State.DISPATCHED}), State.PARKED, DISPATCHER, True),
        Step("unpark", _("恢复办理"), frozenset({State.PARKED}), State.FILED, DISPATCHER),
        Step("request_extension", _("申请延期"), frozenset({State.DISPATCHED}), None, ASSIGNEE, True),
        Step("approve_extension", _("批准延期"), frozenset({State.DISPATCHED, State.HANDLED}), None, LEADER),
        Step(
            "deny_extension", _("驳回延期"), frozenset({State.DISPATCHED, State.HANDLED}), None, LEADER, True, "danger"
        ),
    ]
}


# Who may take each kind of step: the rules live in the one policy module (zhili/people/policy.py).
_WHO = {
    DISPATCHER: policy.dispatch_case,
    ASSIGNEE: policy.handle_case,
    VERIFIER: policy.verify_case,
    LEADER: policy.decide_case_extension,
}


def allowed(who: str, case: Case, scope: Scope) -> bool:
    """Whether `scope` acts as `who` (DISPATCHER, ASSIGNEE, VERIFIER, LEADER) on this case."""
    return _WHO[who](scope, case)


def _has_pending_extension(case: Case) -> bool:
    annotated = getattr(case, "has_pending_extension", None)  # lists annotate it: no query per case
    if annotated is not None:
        return annotated
    return case.extensions.filter(decided_at__isnull=True).exists()


def refusal(action: str, case: Case, scope: Scope) -> str | None:
    """None when `action` may be taken on `case` by this scope now, else the Chinese sentence saying why not."""
    step = STEPS.get(action)
    if step is None:
        return f"没有“{action}”这项操作。"
    if case.confidential and not policy.see_confidential(scope, case):
        return "该线索保密，您无权办理。"
    if case.state not in step.sources:
        return (
            f"案件当前状态为“{case.get_state_display()}”，不能{step.label}。"
            f"可进行的操作：{'、'.join(str(STEPS[a].label) for a in available(case, scope)) or '无'}。"
        )
    if not allowed(step.who, case, scope):
        if step.who == VERIFIER and case.handled_by_id == scope.person_id:
            return "核查须由处置人以外的人进行：您处置了此案件，不能自己核查。"
        who = {
            DISPATCHER: "受理派遣单位或街道领导",
            ASSIGNEE: "承办单位、承办村或责任人",
            VERIFIER: "网格员、受理派遣单位或街道领导（处置人以外）",
            LEADER: "街道领导",
        }[step.who]
        return f"“{step.label}”须由{who}操作。"
    if action == "request_extension" and _has_pending_extension(case):
        return "已有一份延期申请等待领导审批。"
    if action in ("approve_extension", "deny_extension") and not _has_pending_extension(case):
        return "没有待审批的延期申请。"
    return None


def available(case: Case, scope: Scope) -> list[str]:
    """The actions this scope may take on the case now (what the page shows as buttons)."""
    if case.confidential and not policy.see_confidential(scope, case):
        return []
    out = []
    pending = None
    for action, step in STEPS.items():
        if case.state not in step.sources or not allowed(step.who, case, scope):
            continue
        if action in ("request_extension", "approve_extension", "deny_extension"):
            if pending is None:
                pending = _has_pending_extension(case)
            if (action == "request_extension") == pending:
                continue
        out.append(action)
    return out


def check(action: str, case: Case, scope: Scope) -> Step:
    reason = refusal(action, case, scope)
    if reason:
        raise ValidationError(reason)
    return STEPS[action]
