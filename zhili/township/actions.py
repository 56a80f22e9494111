"""A township's own installation: `setup_township` (the first write of all, by whoever installs Zhili) and the
one-time initial passwords of the accounts a 花名册 made (`do_take_initial_passwords`)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, errors
from zhili.core.errors import require
from zhili.core.models import SiteFlag
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people import policy
from zhili.people.actions import USERNAME_RE
from zhili.people.models import Person, Role, RoleAssignment
from zhili.people.scope import Scope
from zhili.regions.actions import normalise_code
from zhili.regions.models import PATH_SEP, Level, Region

audit.describe(
    {
        "person.initial_passwords": gettext_lazy("取走初始密码"),
        "region.roster_import": gettext_lazy("导入村居名册"),
        "region.import": gettext_lazy("按村居名册更新区划"),
        "person.roster_import": gettext_lazy("导入花名册"),
        "person.import": gettext_lazy("按花名册更新人员"),
    }
)

DEMO_FLAG = "demo"  # zhili.demo's mark on a database that holds the demo (nothing imports the demo)
SETUP_REASON = "zhili setup：新建乡镇（街道）"


@dataclass
class Township:
    city: Region
    district: Region
    township: Region
    admin: Person


def township_codes(code: str) -> tuple[str, str, str]:
    """(city, district, township) codes from a township's 9 digits (GB/T 2260: 370115003 → 370100, 370115)."""
    code = normalise_code(code)
    if not (len(code) == 9 and code.isascii() and code.isdigit()):
        raise ValidationError(
            _("乡镇（街道）代码“%(code)s”无效：应为 9 位数字（县级代码 6 位 + 乡镇 3 位，如 370115003）。")
            % {"code": code}
        )
    if code[4:6] == "00" or code[6:] == "000":
        raise ValidationError(
            _("乡镇（街道）代码“%(code)s”无效：前 6 位应是县级区划代码，后 3 位是乡镇序号（不能为 000）。")
            % {"code": code}
        )
    return code[:4] + "00", code[:6], code


def _region(code: str, name: str, level: Level, parent: Region | None) -> tuple[Region, bool]:
    found = Region.objects.filter(code=code).first()
    if found is not None:
        if found.level != level:
            raise ValidationError(
                _("区划代码 %(code)s 已登记为%(v)s“%(name)s”。")
                % {"code": code, "v": found.get_level_display(), "name": found.name}
            )
        return found, False
    region = Region.objects.create(
        code=code, name=name, level=level, parent=parent, path=(parent.path if parent else "") + code + PATH_SEP
    )
    return region, True


@transaction.atomic
def setup_township(
    *, code: str, name: str, district: str, city: str, admin: str, password: str, admin_name: str = ""
) -> Township:
    """The township (and its district and city, unless another township already made them) and its first
    administrator, on a database that does not hold it yet. The one write without an actor: it is the
    installation itself, by whoever runs `zhili setup`; its audit entries say so."""
    city_code, district_code, code = township_codes(code)
    name, district, city, admin = (name or "").strip(), (district or "").strip(), (city or "").strip(), admin.strip()
    if not (name and district and city):
        raise ValidationError(_("请填写乡镇（街道）、县（区）和市的名称。"))
    if SiteFlag.objects.filter(key=DEMO_FLAG).exists():
        raise ValidationError(
            _(
                "此数据库是演示数据库（zhili demo），其中的账号密码是公开的，不能在这里建立真实的乡镇（街道）。"
                "请换一个空的数据目录（ZHILI_DATA_DIR）或空的数据库再运行 zhili setup。"
            )
        )
    existing = Region.objects.filter(code=code).first()
    if existing is not None:
        raise ValidationError(
            _("代码为 %(code)s 的乡镇（街道）“%(name)s”已经存在，没有作任何改动。")
            % {"code": code, "name": existing.name}
        )
    if not USERNAME_RE.match(admin):
        raise ValidationError(_("管理员登录名只能包含字母、数字和 @ . + - _。"))
    if Person.objects.filter(username__iexact=admin).exists():
        raise ValidationError(_("登录名“%(admin)s”已被使用，请换一个。") % {"admin": admin})
    person = Person(username=admin, full_name=(admin_name or "").strip() or "系统管理员")
    if not password:
        raise ValidationError(_("管理员密码不能为空。"))
    validate_password(password, person)

    city_region, _created = _region(city_code, city, Level.CITY, None)
    district_region, _created = _region(district_code, district, Level.DISTRICT, city_region)
    if district_region.parent_id != city_region.pk:
        raise ValidationError(
            _("县（区）代码 %(district_code)s 已登记在另一个市之下。") % {"district_code": district_code}
        )
    township, _created = _region(code, name, Level.SUBDISTRICT, district_region)
    person.region = township
    person.set_password(password)
    person.save()
    ra = RoleAssignment.objects.create(person=person, role=Role.ADMIN, region=township, title=_("系统管理员"))
    audit.record(
        None, "region.create", township, changes={"code": [None, code], "name": [None, name]}, reason=SETUP_REASON
    )
    audit.record(None, "person.create", person, changes={"username": [None, admin]}, reason=SETUP_REASON)
    audit.record(
        None, "role.grant", ra, changes={"role": [None, Role.ADMIN.label], "region": [None, name]}, reason=SETUP_REASON
    )
    return Township(city_region, district_region, township, person)


# ---- the initial passwords of a roster import ------------------------------------------------------------


def passwords_path(job: ImportJob) -> Path:
    """Where a 花名册 import leaves the initial passwords of the accounts it made, beside the stored upload (never
    under a served URL), until they are taken once."""
    stored = Path(job.file.path)
    return stored.with_name(f".{stored.name}.job{job.pk}.passwords.xlsx")


def has_initial_passwords(job: ImportJob) -> bool:
    return job.status == ImportStatus.DONE and passwords_path(job).exists()


def do_take_initial_passwords(job: ImportJob, *, actor: Person, scope: Scope) -> bytes:
    """The initial passwords file, once: read, then removed, with one audit entry saying how many accounts it
    held (never the passwords)."""
    require(policy.see_import(scope, job), _("不存在或无权查看。"), errors.NotFound)
    require(policy.import_roster(scope, job.region), _("您无权查看这次导入的初始密码。"))
    path = passwords_path(job)
    try:
        data = path.read_bytes()
    except OSError:
        raise errors.NotFound(_("初始密码文件已经下载过（只提供一次）。如有遗失，请在人员页面为其重设密码。")) from None
    with transaction.atomic():
        audit.record(actor, "person.initial_passwords", job, changes={"file": [None, job.filename]})
    with contextlib.suppress(OSError):
        path.unlink()
    return data


# ---- boundaries ----------------------------------------------------------------------------------------------


@dataclass
class BoundariesResult:
    regions: list[Region]
    dry_run: bool


def do_import_boundaries(
    township: Region, data: bytes, filename: str, *, actor: Person, scope: Scope, dry_run: bool = False
) -> BoundariesResult:
    """Boundaries of the township's villages and grids from a GeoJSON or KML file: all of them or none — a
    feature that matches no village or grid, or whose polygon is not usable, refuses the file with every reason.
    One audit entry per region whose boundary changed."""
    from zhili.regions.models import path_prefix_q
    from zhili.township import boundaries

    require(policy.import_roster(scope, township), _("您无权导入“%(name)s”的边界。") % {"name": township.name})
    try:
        features = boundaries.read(data, filename)
    except boundaries.BoundaryFileError as exc:
        raise ValidationError(str(exc)) from None
    regions = list(Region.objects.current().filter(path_prefix_q("path", township.path)).exclude(pk=township.pk))
    found = boundaries.match(features, township, regions)
    if found.problems:
        raise ValidationError(found.problems)
    if dry_run:
        return BoundariesResult([r for r, _ in found.matched], True)
    changed = []
    with transaction.atomic():
        for region, geometry in found.matched:
            locked = Region.objects.select_for_update().get(pk=region.pk)
            if locked.boundary == geometry:
                continue
            had = locked.boundary is not None
            locked.boundary = geometry
            locked.save(update_fields=["boundary", "modified_at"])
            audit.record(
                actor,
                "region.update",
                locked,
                changes={"boundary": ["有" if had else None, "有"]},
                reason=f"导入边界 {filename}",
            )
            changed.append(locked)
    return BoundariesResult(changed, False)
