"""The closed loop, as data: which actions exist, from which states, to which state, and who may take them.

    上报 → 受理 | 不予受理 → 立案 | 作废 → 派遣 → 处置（处置后照片） → 反馈 → 核查（非处置人） → 结案
                                                   ↑______ 返工 ______|
    side paths: 延期 (申请 → 领导批准/驳回, the deadline moves), 挂账 / 恢复, 退回 (to the dispatcher), 合并 (duplicate)

A confidential tip runs the same loop among the subdistrict's tip officers (线索专管员): they dispatch, handle and
approve; verification still needs a second person.

Pages and the API both ask `available(case, scope)` for the buttons they offer and `check(action, case, scope)`
before acting, so an action that is not offered cannot be forced through a forged form or an API call.

A combined step (`COMBINED`: 受理 + 立案 + 派遣 in the dispatcher's one form; 处置 + 反馈 where the subdistrict's
case rule says so) is no new state and no shortcut: the same steps, each checked here and recorded, taken one
after the other in one transaction (`actions.do_act_steps`). The case page offers it (`offered`) in place of its
first step, open by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhili.cases.models import Case, State
from zhili.core.errors import Invalid, Refused
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
    parts: tuple[str, ...] = ()  # a combined step: the steps it takes, in order

    @property
    def steps(self) -> tuple[str, ...]:
        """The steps this one takes (itself, or a combined step's parts): what its form asks for."""
        return self.parts or (self.action,)


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


def _combined(action: str, label, parts: tuple[str, ...]) -> Step:
    first, last = STEPS[parts[0]], STEPS[parts[-1]]
    return Step(action, label, first.sources, last.target, first.who, parts=parts)


COMBINED: dict[str, Step] = {
    s.action: s
    for s in [
        _combined("accept_file_dispatch", _("受理、立案并派遣"), ("accept", "file", "dispatch")),
        _combined("file_dispatch", _("立案并派遣"), ("file", "dispatch")),
        _combined("handle_feedback", _("处置并反馈"), ("handle", "feedback")),
    ]
}
# The case rule's switch a combined step needs (CaseRule field name); the others are always offered.
COMBINED_RULE = {"handle_feedback": "handle_with_feedback"}


def combined_allowed(action: str, rule) -> bool:
    """Whether the subdistrict's case rule offers this combined step."""
    flag = COMBINED_RULE.get(action)
    return flag is None or bool(getattr(rule, flag, False))


def offered(case: Case, scope: Scope, rule) -> list[Step]:
    """The steps the case page offers, in the order it shows them (the first one open): a combined step where its
    first part is available (and the case rule allows it) — in place of that part when it is 处置 —, then the
    steps that move the case on, then the rest, refusals last."""
    singles = available(case, scope)
    combined = [c for c in COMBINED.values() if c.parts[0] in singles and combined_allowed(c.action, rule)]
    replaced = {c.parts[0] for c in combined if c.parts[0] == "handle"}  # 处置 alone is 处置并反馈 here
    rest = [STEPS[a] for a in singles if a not in replaced]
    order = {a: i for i, a in enumerate(("handle", "feedback", "verify", "close", "file", "dispatch", "accept"))}
    rest.sort(key=lambda s: (s.style == "danger", s.target is None, order.get(s.action, len(order))))
    return combined + rest


def label_of(action: str) -> str:
    """A step's or a combined step's label (for the message after it is taken)."""
    step = STEPS.get(action) or COMBINED.get(action)
    return str(step.label) if step else action


# Who may take each kind of step: the rules live in the one policy module (zhili/people/policy.py).
_WHO = {
    DISPATCHER: policy.dispatch_case,
    ASSIGNEE: policy.handle_case,
    VERIFIER: policy.verify_case,
    LEADER: policy.decide_case_extension,
}


def allowed(who: str, case: Case, scope: Scope, *, pending_by: int | None = None) -> bool:
    """Whether `scope` acts as `who` (DISPATCHER, ASSIGNEE, VERIFIER, LEADER) on this case; `pending_by` is who
    asked for the extension waiting for a decision (the approver is never the requester)."""
    if who == LEADER:
        return policy.decide_case_extension(scope, case, requested_by_id=pending_by)
    return _WHO[who](scope, case)


EXTENSION_STEPS = ("request_extension", "approve_extension", "deny_extension")
OWN_EXTENSION = _("延期须由申请人以外的领导审批：这份延期申请是您提出的，不能自己批准或驳回。")


def _pending_extension(case: Case) -> tuple[bool, int | None]:
    """Whether an extension request waits for a decision, and who asked for it (one query; none for a list,
    which annotates both)."""
    annotated = getattr(case, "has_pending_extension", None)
    if annotated is not None:
        return annotated, getattr(case, "pending_extension_by", None)
    by = case.extensions.filter(decided_at__isnull=True).values_list("requested_by_id", flat=True).first()
    return by is not None, by


def refusal(action: str, case: Case, scope: Scope) -> str | None:
    """None when `action` may be taken on `case` by this scope now, else the Chinese sentence saying why not."""
    problem = _problem(action, case, scope)
    return " ".join(problem.messages) if problem else None


def _problem(action: str, case: Case, scope: Scope) -> ValidationError | None:
    """Why `action` may not be taken now, as a typed refusal: Invalid (no such step, or not in this state: 400) or
    Refused (this person may not take it: 403)."""
    step = STEPS.get(action)
    if step is None:
        return Invalid(_("没有“%(action)s”这项操作。") % {"action": action})
    if case.confidential and not policy.see_confidential(scope, case):
        return Refused(_("该线索保密，您无权办理。"))
    if case.state not in step.sources:
        return Invalid(
            _("案件当前状态为“%(v)s”，不能%(label)s。可进行的操作：%(v2)s。")
            % {
                "v": case.get_state_display(),
                "label": step.label,
                "v2": "、".join(str(STEPS[a].label) for a in available(case, scope)) or _("无"),
            }
        )
    pending, pending_by = _pending_extension(case) if action in EXTENSION_STEPS else (False, None)
    if not allowed(step.who, case, scope, pending_by=pending_by):
        if step.who == VERIFIER and case.handled_by_id == scope.person_id:
            return Refused(_("核查须由处置人以外的人进行：您处置了此案件，不能自己核查。"))
        if step.who == LEADER and pending_by is not None and pending_by == scope.person_id:
            return Refused(OWN_EXTENSION)
        who = {
            DISPATCHER: _("受理派遣单位或街道领导"),
            ASSIGNEE: _("承办单位、承办村或责任人"),
            VERIFIER: _("网格员、受理派遣单位或街道领导（处置人以外）"),
            LEADER: _("街道领导"),
        }[step.who]
        return Refused(_("“%(label)s”须由%(who)s操作。") % {"label": step.label, "who": who})
    if action == "request_extension" and pending:
        return Invalid(_("已有一份延期申请等待领导审批。"))
    if action in ("approve_extension", "deny_extension") and not pending:
        return Invalid(_("没有待审批的延期申请。"))
    return None


def available(case: Case, scope: Scope) -> list[str]:
    """The actions this scope may take on the case now (what the page shows as buttons)."""
    if case.confidential and not policy.see_confidential(scope, case):
        return []
    out = []
    pending: tuple[bool, int | None] | None = None
    for action, step in STEPS.items():
        if case.state not in step.sources or (step.who != LEADER and not allowed(step.who, case, scope)):
            continue
        if action in EXTENSION_STEPS:
            if pending is None:
                pending = _pending_extension(case)
            if (action == "request_extension") == pending[0]:
                continue
            if step.who == LEADER and not allowed(LEADER, case, scope, pending_by=pending[1]):
                continue
        out.append(action)
    return out


def check(action: str, case: Case, scope: Scope) -> Step:
    """The step, or the typed refusal saying why it may not be taken (zhili.core.errors)."""
    problem = _problem(action, case, scope)
    if problem is not None:
        raise problem
    return STEPS[action]
