"""The delivery pages of the bulletins: the delivery log (what went to which chat group, how each try went, a
重新发送 button for a failed or uncertain part) and the send button's POST. Only those who build the bulletins
(policy.build_bulletins) see them; each view parses, fetches through scope (404 outside it), calls an action or a
query, renders."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhili.bulletins import delivery, queries
from zhili.bulletins.models import Channel, Delivery, Snapshot
from zhili.core.errors import Invalid, NotFound, require
from zhili.people import policy
from zhili.people.scope import NoViewpoint, get_in_scope_or_404, viewpoint
from zhili.regions.models import Region


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("推送到"),
        choices=Channel.choices,
        error_messages={
            "required": gettext_lazy("请选择推送到哪个群。"),
            "invalid_choice": gettext_lazy("请选择推送到哪个群。"),
        },
    )


def _sub(request: HttpRequest) -> Region:
    try:
        sub = viewpoint(request.scope, request.GET.get("sub") or None).sub
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None
    require(
        policy.build_bulletins(request.scope, queries.setup_of(sub)),
        _("推送记录只对街道领导、系统管理员和牵头科室开放。"),
    )
    return sub


@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    """The delivery log of a subdistrict's bulletins, newest first."""
    sub = _sub(request)
    rows = delivery.delivery_log(request.scope, sub)
    lines = [
        {
            "d": d,
            "robot": next((e.get("robot") for e in reversed(d.log or []) if e.get("robot")), ""),
            "message": delivery.waiting_sentence(d),
            "resend": delivery.resendable(d),
        }
        for d in rows
    ]
    robots_now = [(label, delivery.robot_shown(sub, value)) for value, label in Channel.choices]
    return render(request, "bulletins/deliveries.html", {"sub": sub, "lines": lines, "robots": robots_now})


@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_in_scope_or_404(
        request.scope, Delivery.objects.select_related("snapshot__region"), "snapshot__region__path", pk=pk
    )
    delivery.do_resend(found, actor=request.user, scope=request.scope)
    messages.success(request, _("已重新加入发送队列。"))
    return redirect(f"{_deliveries_url()}?sub={found.snapshot.region.code}")


@require_POST
def send(request: HttpRequest, week: str, version: int) -> HttpResponse:
    """推送到群: the week's published bulletin (this version) to the chosen group."""
    sub = viewpoint(request.scope, request.GET.get("sub") or None).sub
    snapshot = get_in_scope_or_404(
        request.scope, Snapshot.objects.select_related("region"), "region__path", region=sub, week=week, version=version
    )
    form = ChannelForm(request.POST)
    if not form.is_valid():
        raise Invalid([e for es in form.errors.values() for e in es])
    parts = delivery.do_send(snapshot, form.cleaned_data["channel"], actor=request.user, scope=request.scope)
    messages.success(
        request,
        _("已加入发送队列：%(channel)s，共 %(n)s 条。发送情况见下表。")
        % {"channel": Channel(form.cleaned_data["channel"]).label, "n": len(parts)},
    )
    return redirect(f"{_deliveries_url()}?sub={sub.code}")


def _deliveries_url() -> str:
    from django.urls import reverse

    return reverse("bulletins:deliveries")
