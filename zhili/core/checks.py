"""Zhili's system checks, in Chinese: what an operator should fix before (and while) serving.

`zhili check --deploy` is the operator's command (docs/deploy.md): it runs all of these. Without `--deploy`
(and before every `zhili migrate`, `zhili serve`, …) only the cheap ones that hold everywhere run — is the data
directory writable, is there disk space — so a developer's machine, with DEBUG on and no backups, stays quiet.
Every finding is a warning, never an error: an error would stop `migrate` and `serve`, and each of these has a
moment when it is expected (a first start has no backup yet; a read-only disk is what a fault test makes).

Ids `zhili.W001`…; tag `zhili` (`zhili check --deploy --tag zhili` runs only these).
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.utils import timezone
from django.utils.translation import gettext as _

BACKUP_MAX_AGE_HOURS = 26  # a daily backup, with two hours' slack
DISK_MIN_FREE_MB = 1024

TAG = "zhili"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# ---- configuration (deploy) --------------------------------------------------------------------------------


@register(TAG, Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    if len(key) >= 50 and len(set(key)) >= 5 and not key.startswith(("django-insecure", "test-only-key")):
        return []
    return [
        CheckWarning(
            _("密钥（ZHILI_SECRET_KEY）太弱：少于 50 个字符、字符种类太少，或是示例/测试用的密钥。"),
            hint=_('设置一个新的随机字符串，例如 python -c "import secrets; print(secrets.token_urlsafe(50))"。'),
            id="zhili.W001",
        )
    ]


@register(TAG, Tags.security, deploy=True)
def check_debug(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.DEBUG:
        return []
    return [
        CheckWarning(
            _("调试模式（ZHILI_DEBUG）已开启：出错时页面会显示程序内部信息和配置。"),
            hint=_("生产环境请去掉 ZHILI_DEBUG 或设为 0。"),
            id="zhili.W002",
        )
    ]


@register(TAG, Tags.security, deploy=True)
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    hosts = list(settings.ALLOWED_HOSTS)
    if hosts and "*" not in hosts:
        return []
    return [
        CheckWarning(
            _("允许的域名（ZHILI_ALLOWED_HOSTS）为空或为“*”：应只列出本系统的域名。"),
            hint=_("例如 ZHILI_ALLOWED_HOSTS=zhili.example.gov.cn。"),
            id="zhili.W003",
        )
    ]


@register(TAG, Tags.security, deploy=True)
def check_https(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "HTTPS", False) and settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE:
        return []
    return [
        CheckWarning(
            _("未启用 HTTPS（ZHILI_HTTPS）：登录凭据会以明文经过网络，也不会发送 HSTS。"),
            hint=_("在 nginx 上配置证书后设置 ZHILI_HTTPS=1，见 docs/deploy.md。"),
            id="zhili.W004",
        )
    ]


@register(TAG, Tags.security, deploy=True)
def check_demo(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "DEMO", False):
        return []
    return [
        CheckWarning(
            _("这是演示数据目录（ZHILI_DEMO 或其中的演示密钥文件）：演示账号的密码是公开的。"),
            hint=_("生产环境请使用新的数据目录（ZHILI_DATA_DIR）并设置 ZHILI_SECRET_KEY。"),
            id="zhili.W005",
        )
    ]


# ---- backups and background work (deploy) ------------------------------------------------------------------


def _last_backup() -> dict | None:
    try:
        from zhili.core.backup import last_backup
    except ImportError:  # no backup command in this version: no backups
        return None
    return last_backup()


@register(TAG, deploy=True)
def check_backup_age(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    max_hours = _setting("ZHILI_BACKUP_MAX_AGE_HOURS", BACKUP_MAX_AGE_HOURS)
    hint = _("用 zhili backup 每天备份一次，见 docs/deploy.md（Backups）。")
    try:
        found = _last_backup()
        at = datetime.datetime.fromisoformat(found["at"]) if found else None
    except (KeyError, TypeError, ValueError):
        at = None
    if at is None:
        return [CheckWarning(_("还没有备份（没有找到 zhili backup 的记录）。"), hint=hint, id="zhili.W006")]
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    age = timezone.now() - at
    if age <= datetime.timedelta(hours=max_hours):
        return []
    return [
        CheckWarning(
            _("最近一次备份是 %(hours)s 小时前（%(at)s），超过了 %(max)s 小时。")
            % {
                "hours": int(age.total_seconds() // 3600),
                "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
                "max": max_hours,
            },
            hint=hint,
            id="zhili.W006",
        )
    ]


@register(TAG, deploy=True)
def check_background(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """What /readyz says, as warnings: the database and its schema, then the worker and stuck work."""
    from zhili.core import health

    first = health.database_problem() or health.schema_problem()
    if first is not None:
        return [CheckWarning(first.message, hint=_("先让数据库可用并运行 zhili migrate。"), id="zhili.W007")]
    found: list[CheckMessage] = []
    for problem in health.background_problems():
        if problem.code == "worker_silent":
            hint, id_ = _("生产环境中 zhili worker 应作为单独的服务一直运行，见 docs/deploy.md。"), "zhili.W008"
        else:
            hint, id_ = _("在“后台任务”页面和导入页面查看这些任务，并检查 zhili worker 的日志。"), "zhili.W009"
        found.append(CheckWarning(problem.message, hint=hint, id=id_))
    return found


# ---- the machine (always) ----------------------------------------------------------------------------------


def _directories() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = [("ZHILI_DATA_DIR", Path(settings.DATA_DIR))]
    media = Path(settings.MEDIA_ROOT)
    if media != found[0][1]:
        found.append(("ZHILI_MEDIA_ROOT", media))
    return found


def _existing(path: Path) -> Path:
    """The directory itself, or the nearest ancestor that exists (where it would be made)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _writable(path: Path) -> bool:
    here = _existing(path)
    if not here.is_dir():
        return False
    try:
        with tempfile.TemporaryFile(dir=here):
            return True
    except OSError:
        return False


@register(TAG)
def check_directories(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        CheckWarning(
            _("目录 %(path)s（%(name)s）不可写：数据库、上传的文件或备份将无法保存。") % {"path": path, "name": name},
            hint=_("检查该目录的所有者和权限（应属于运行 Zhili 的用户），以及磁盘是否以只读方式挂载。"),
            id="zhili.W011",
        )
        for name, path in _directories()
        if not _writable(path)
    ]


@register(TAG)
def check_disk_space(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    minimum_mb = _setting("ZHILI_DISK_MIN_FREE_MB", DISK_MIN_FREE_MB)
    found: list[CheckMessage] = []
    seen: set[int] = set()
    for name, path in _directories():
        here = _existing(path)
        try:
            device = here.stat().st_dev
            free_mb = shutil.disk_usage(here).free // (1024 * 1024)
        except OSError:
            continue  # not there at all: check_directories says so
        if device in seen:
            continue
        seen.add(device)
        if free_mb < minimum_mb:
            found.append(
                CheckWarning(
                    _("%(path)s（%(name)s）所在磁盘只剩 %(free)s MB，少于 %(min)s MB。")
                    % {"path": path, "name": name, "free": free_mb, "min": minimum_mb},
                    hint=_("清理旧的备份和日志，或扩容磁盘；空间用尽时上传和导入会失败。"),
                    id="zhili.W010",
                )
            )
    return found
