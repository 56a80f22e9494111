"""Cases for tests: the subdistrict's categories, real JPEG photos (with or without EXIF GPS), and a case driven
through the loop to a given state by the demo personas, through the same actions the pages call."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from fractions import Fraction

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from zhili.cases import actions, defaults
from zhili.cases.models import Case, Category, Source
from zhili.people.models import Person, Unit
from zhili.people.scope import scope_for
from zhili.regions import geo
from zhili.regions.models import Region


def setup(sub: Region) -> None:
    """The default categories and the case rule with 城管办 as the dispatching centre (idempotent)."""
    urban = Unit.objects.get(region=sub, code="urban")
    defaults.install(sub, center_unit=urban)


def category(sub: Region, code: str) -> Category:
    setup(sub)
    return Category.objects.get(subdistrict=sub, code=code)


def point_in(region: Region) -> tuple[Decimal, Decimal]:
    """A point inside the region's boundary (its centroid, nudged inside if needed)."""
    from shapely.geometry import shape

    p = shape(region.boundary).representative_point()
    return Decimal(f"{p.x:.6f}"), Decimal(f"{p.y:.6f}")


def _rational(value: float):
    d = abs(value)
    deg = int(d)
    minutes = int((d - deg) * 60)
    seconds = (d - deg - minutes / 60) * 3600
    return (Fraction(deg), Fraction(minutes), Fraction(seconds).limit_denominator(10000))


def jpeg(name: str = "photo.jpg", *, lng=None, lat=None, size=(640, 480), color=(120, 160, 90)) -> SimpleUploadedFile:
    """A real JPEG; with lng/lat it carries an EXIF GPS block (as a phone camera writes it)."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure, so it is not a flat colour
        for y in range(size[1] // 3, size[1] // 3 + 20):
            image.putpixel((x, y), (250, 250, 250))
    exif = Image.Exif()
    exif[0x0110] = "ZhiliTestPhone"  # camera model: must not survive into the display copy
    if lng is not None:
        gps = {1: "N", 2: _rational(float(lat)), 3: "E", 4: _rational(float(lng))}
        exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def act(case: Case, action: str, username: str, **kwargs) -> Case:
    person = Person.objects.get(username=username)
    return actions.do_act(case, action, actor=person, scope=scope_for(person), **kwargs)


def report(
    sub: Region,
    grid: Region,
    *,
    by: str = "demo-grid",
    code: str = "garbage",
    at=None,
    description: str = "路边堆放生活垃圾",
    photo: bool = True,
    source=Source.PATROL,
) -> Case:
    person = Person.objects.get(username=by)
    lng, lat = point_in(grid)
    return actions.do_report_case(
        subdistrict=sub,
        category=category(sub, code),
        description=description,
        actor=person,
        scope=scope_for(person),
        source=source,
        lng=lng,
        lat=lat,
        photos=[jpeg(lng=lng, lat=lat)] if photo else [],
        at=at,
    )


LOOP = ["accept", "file", "dispatch", "handle", "feedback", "verify", "close"]


def drive(
    case: Case,
    until: str,
    *,
    village: Region | None = None,
    at=None,
    handler: str = "demo-village",
    verifier: str = "demo-grid",
) -> Case:
    """Take the loop's steps up to and including `until`: 城管办 accepts, files and dispatches to the case's village
    (or `village`), the village cadre handles with an after-photo and feeds back, the grid inspector verifies,
    城管办 closes."""
    at = at or timezone.now()
    for i, step in enumerate(LOOP):
        when = at + datetime.timedelta(minutes=10 * (i + 1))
        if step == "dispatch":
            case = act(case, "dispatch", "demo-urban", village=village or actions.own_village(case), at=when)
        elif step == "handle":
            case = act(
                case, "handle", handler, photos=[jpeg("after.jpg", lng=case.lng, lat=case.lat)], at=when, note="已清理"
            )
        elif step in ("feedback",):
            case = act(case, step, handler, at=when, note="已处置完毕")
        elif step == "verify":
            case = act(case, step, verifier, at=when)
        else:
            case = act(case, step, "demo-urban", at=when)
        if step == until:
            return case
    return case


def far_point(lng, lat, metres: float) -> tuple[Decimal, Decimal]:
    """A point `metres` east of (lng, lat)."""
    _, _, max_lng, _ = geo.bbox_around(lng, lat, metres)
    return Decimal(f"{max_lng:.6f}"), Decimal(str(lat))
