"""/api/v1: the same data and the same scope rules as the pages (docs/ARCHITECTURE.md, "API")."""

import datetime

from django.core.exceptions import ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate

from zhili.api import schemas as s
from zhili.api.auth import session_auth, token_auth
from zhili.api.cases_api import router as cases_router
from zhili.api.duty_api import router as duty_router
from zhili.api.households_api import router as households_router
from zhili.api.paging import Paging
from zhili.api.party_api import router as party_router
from zhili.api.projects_api import router as projects_router
from zhili.api.reports_api import router as reports_router
from zhili.api.targets_api import router as targets_router
from zhili.core import errors
from zhili.core import queries as core_queries
from zhili.people import actions as people_actions
from zhili.people import policy
from zhili.people import queries as people_queries
from zhili.people.models import ApiToken, Person, RoleAssignment, Unit
from zhili.people.scope import get_in_scope_or_404, get_region_or_404
from zhili.regions import actions as region_actions

api = NinjaAPI(
    title="治理 Zhili API",
    version="1",
    description="乡镇（街道）治理平台的 JSON 接口。所有接口遵循与页面相同的区划权限：只返回和修改您有权访问的数据。",
    auth=[token_auth, session_auth],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(ValidationError)
def _refused(request: HttpRequest, exc: ValidationError):
    """Every typed refusal an action raises (zhili.core.errors): its sentence, with the status its kind means —
    the same table the pages use."""
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=errors.status_of(exc))


@api.exception_handler(DataError)
def _unstorable(request: HttpRequest, exc: DataError):
    """A value the database cannot hold or compare — PostgreSQL refuses a NUL character in text, even in a search
    (`?q=%00`), and numbers beyond a column's range —: what was sent is wrong, not the server (found by
    tests/test_hostile_api.py)."""
    return api.create_response(
        request,
        {"detail": "请求中有无法保存或查询的内容（例如不可见的 NUL 控制字符，或超出范围的数字），请删除后重试。"},
        status=400,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, {"detail": "未登录：请使用个人 API 令牌（Authorization: Bearer zl_…）或先登录。"}, status=401
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "不存在或无权查看。"}, status=errors.status_of(exc))


def _reason(err: dict) -> str:
    """Pydantic's error, as a Chinese sentence fragment."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    reasons = {
        "missing": "必须填写",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "int_from_float": "应为整数",
        "float_parsing": "应为数字",
        "float_type": "应为数字",
        "decimal_parsing": "应为数字",
        "decimal_type": "应为数字",
        "bool_parsing": "应为 true 或 false",
        "bool_type": "应为 true 或 false",
        "date_parsing": "应为日期，如 2020-11-20",
        "date_from_datetime_parsing": "应为日期，如 2020-11-20",
        "date_type": "应为日期，如 2020-11-20",
        "datetime_parsing": "应为时间，如 2020-11-20T09:00:00+08:00",
        "string_type": "应为文本",
        "list_type": "应为列表",
        "dict_type": "应为对象",
        "model_attributes_type": "应为对象",
        "json_invalid": "不是有效的 JSON",
        "less_than_equal": f"不能大于 {ctx.get('le')}",
        "greater_than_equal": f"不能小于 {ctx.get('ge')}",
        "less_than": f"应小于 {ctx.get('lt')}",
        "greater_than": f"应大于 {ctx.get('gt')}",
        "string_too_short": "太短",
        "string_too_long": f"太长（最多 {ctx.get('max_length')} 个字符）",
        "too_short": f"至少需要 {ctx.get('min_length')} 项",
        "too_long": f"最多 {ctx.get('max_length')} 项",
        "string_pattern_mismatch": "格式不正确",
        "enum": "不是允许的值",
        "literal_error": "不是允许的值",
    }
    return reasons.get(kind, "格式不正确")


@api.exception_handler(NinjaValidationError)
def _schema_error(request: HttpRequest, exc: NinjaValidationError):
    parts = []
    for err in exc.errors:
        where = ".".join(str(x) for x in err.get("loc", []) if x not in ("body", "payload", "query", "filters"))
        parts.append(f"{where or '请求'}{_reason(err)}")
    return api.create_response(
        request, {"detail": "请求内容不正确：" + "；".join(parts), "errors": exc.errors}, status=422
    )


def _admin(request: HttpRequest) -> None:
    errors.require(policy.open_administration(request.scope), "只有系统管理员可以使用此接口。")


# ---- me and tokens ----------------------------------------------------------------------------

me_router = Router(tags=["我的账号"])


@me_router.get("/me", response=s.MeOut, summary="当前用户、角色与权限范围")
def me(request: HttpRequest):
    scope = request.scope
    roles = RoleAssignment.objects.active().filter(person=request.user).select_related("region", "unit")
    return {
        "person": request.user,
        "roles": list(roles),
        "read_paths": list(scope.read_paths),
        "write_paths": list(scope.write_paths),
        "admin_paths": list(scope.admin_paths),
        "is_superuser": scope.is_superuser,
    }


@me_router.get("/tokens", response=list[s.TokenOut], summary="我的 API 令牌")
def list_tokens(request: HttpRequest):
    return ApiToken.objects.filter(person=request.user)


@me_router.post("/tokens", response={201: s.TokenCreatedOut}, summary="创建 API 令牌（令牌只显示这一次）")
def create_token(request: HttpRequest, payload: s.TokenCreateIn):
    token, raw = people_actions.do_create_token(request.user, name=payload.name, actor=request.user)
    return Status(201, {**s.TokenOut.from_orm(token).dict(), "token": raw})


@me_router.post("/tokens/{token_id}/revoke", response=s.TokenOut, summary="撤销 API 令牌")
def revoke_token(request: HttpRequest, token_id: int):
    token = ApiToken.objects.filter(person=request.user, pk=token_id).first()
    if token is None:
        raise Http404
    return people_actions.do_revoke_token(token, actor=request.user)


# ---- regions -----------------------------------------------------------------------------------

regions = Router(tags=["区划与网格"])


@regions.get("/regions", response=list[s.RegionOut], summary="区划列表（仅限权限范围内）")
@paginate(Paging)
def list_regions(
    request: HttpRequest,
    level: int | None = Query(None, ge=1, le=5),
    parent: str | None = None,
    q: str | None = None,
    include_closed: bool = False,
    on: datetime.date | None = None,
):
    # Only the listed fields: no boundary polygons for a list (python -m bench regions-subtree).
    qs = (
        request.scope.regions()
        .select_related("parent", "successor")
        .only(
            "code",
            "name",
            "level",
            "path",
            "valid_from",
            "valid_to",
            "center_lng",
            "center_lat",
            "is_synthetic",
            "parent__code",
            "successor__code",
        )
    )
    if not include_closed:
        qs = qs.current(on)
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("path")


@regions.post("/regions/merge", response={201: s.RegionDetailOut}, summary="合并村居（管理员）")
def merge_villages(request: HttpRequest, payload: s.MergeIn):
    villages = [get_region_or_404(request.scope, c) for c in payload.village_codes]
    successor = region_actions.do_merge_villages(
        villages,
        code=payload.code,
        name=payload.name,
        on=payload.on,
        reason=payload.reason,
        actor=request.user,
        scope=request.scope,
    )
    return Status(201, successor)


@regions.get("/regions/{code}", response=s.RegionDetailOut, summary="区划详情")
def get_region(request: HttpRequest, code: str):
    return get_region_or_404(request.scope, code)


@regions.get("/regions/{code}/chain", response=list[s.ChainEntryOut], summary="网格的五级联包责任链")
def get_chain(request: HttpRequest, code: str):
    grid = get_region_or_404(request.scope, code)
    return [
        {
            "order": level.order,
            "level": level.name,
            "name": link.display_name if link else None,
            "phone": link.display_phone if link else None,
            "person_id": link.person_id if link else None,
        }
        for level, link in people_queries.chain(grid)
    ]


@regions.post("/regions", response={201: s.RegionDetailOut}, summary="新建区划（管理员）")
def create_region(request: HttpRequest, payload: s.RegionCreateIn):
    parent = get_region_or_404(request.scope, payload.parent_code)
    region = region_actions.do_create_region(
        code=payload.code,
        name=payload.name,
        level=payload.level,
        parent=parent,
        actor=request.user,
        scope=request.scope,
        valid_from=payload.valid_from,
        boundary=payload.boundary,
        center_lng=payload.center_lng,
        center_lat=payload.center_lat,
        note=payload.note,
    )
    return Status(201, region)


@regions.patch("/regions/{code}", response=s.RegionDetailOut, summary="修改区划（管理员）")
def update_region(request: HttpRequest, code: str, payload: s.RegionUpdateIn):
    from zhili.regions.geo import validate_geometry

    region = get_region_or_404(request.scope, code)
    values = payload.dict(exclude_unset=True)
    reason = values.pop("reason", "")
    if "boundary" in values and (problem := validate_geometry(values["boundary"])):
        raise ValidationError(problem)
    return region_actions.do_update_region(region, actor=request.user, scope=request.scope, reason=reason, **values)


# ---- people, units, roles ------------------------------------------------------------------------

people = Router(tags=["人员与角色"])


def _person(request: HttpRequest, person_id: int) -> Person:
    _admin(request)
    return get_in_scope_or_404(
        request.scope, Person.objects.select_related("region", "unit"), "region__path", access="people", pk=person_id
    )


@people.get("/people", response=list[s.PersonOut], summary="人员列表（管理员）")
@paginate(Paging)
def list_people(request: HttpRequest, q: str | None = None, include_archived: bool = False):
    _admin(request)
    qs = request.scope.filter(Person.objects.select_related("region", "unit"), "region__path", access="people")
    if not include_archived:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(full_name__icontains=q)
    return qs.order_by("username")


@people.get("/people/{person_id}", response=s.PersonOut, summary="人员详情（管理员）")
def get_person(request: HttpRequest, person_id: int):
    return _person(request, person_id)


@people.get("/people/{person_id}/roles", response=list[s.RoleOut], summary="人员的角色（管理员）")
def person_roles(request: HttpRequest, person_id: int):
    return _person(request, person_id).roles.select_related("region", "unit")


@people.post("/people", response={201: s.PersonOut}, summary="添加人员（管理员）")
def create_person(request: HttpRequest, payload: s.PersonCreateIn):
    _admin(request)
    region = get_region_or_404(request.scope, payload.region_code, access="admin")
    unit = None
    if payload.unit_code:
        unit = (
            request.scope.filter(Unit.objects.active(), "region__path", access="admin")
            .filter(code=payload.unit_code)
            .first()
        )
        if unit is None:
            raise ValidationError(f"单位代码“{payload.unit_code}”不存在或不在您的管理范围内。")
    person = people_actions.do_create_person(
        username=payload.username,
        full_name=payload.full_name,
        region=region,
        phone=payload.phone,
        title=payload.title,
        unit=unit,
        password=payload.password,
        actor=request.user,
        scope=request.scope,
    )
    return Status(201, person)


@people.post("/people/{person_id}/roles", response={201: s.RoleOut}, summary="授予角色（管理员）")
def grant_role(request: HttpRequest, person_id: int, payload: s.RoleGrantIn):
    person = _person(request, person_id)
    unit = None
    if payload.unit_code:
        unit = (
            request.scope.filter(Unit.objects.active(), "region__path", access="admin")
            .filter(code=payload.unit_code)
            .first()
        )
        if unit is None:
            raise ValidationError(f"单位代码“{payload.unit_code}”不存在或不在您的管理范围内。")
    if payload.region_code:
        region = get_region_or_404(request.scope, payload.region_code)
    elif unit is not None:
        region = unit.region
    else:
        raise ValidationError("请指定区划代码（region_code）或单位代码（unit_code）。")
    ra = people_actions.do_grant_role(
        person,
        role=payload.role,
        region=region,
        unit=unit,
        title=payload.title,
        actor=request.user,
        scope=request.scope,
    )
    return Status(201, ra)


def _role(request: HttpRequest, role_id: int) -> RoleAssignment:
    _admin(request)
    return get_in_scope_or_404(
        request.scope,
        RoleAssignment.objects.select_related("region", "unit"),
        "region__path",
        access="people",  # a system or a security administrator: the actions check who may end or confirm what
        pk=role_id,
    )


@people.post("/roles/{role_id}/end", response=s.RoleOut, summary="结束角色（管理员）")
def end_role(request: HttpRequest, role_id: int, payload: s.ReasonIn):
    ra = _role(request, role_id)
    return people_actions.do_end_role(ra, actor=request.user, scope=request.scope, reason=payload.reason)


@people.post("/roles/{role_id}/confirm", response=s.RoleOut, summary="确认授予（须另一位管理员，如线索专管员）")
def confirm_role(request: HttpRequest, role_id: int):
    ra = _role(request, role_id)
    return people_actions.do_confirm_role(ra, actor=request.user, scope=request.scope)


@people.post("/people/{person_id}/archive", response=s.PersonOut, summary="停用人员（管理员）")
def archive_person(request: HttpRequest, person_id: int, payload: s.ReasonIn):
    person = _person(request, person_id)
    return people_actions.do_archive_person(person, actor=request.user, scope=request.scope, reason=payload.reason)


@people.get("/units", response=list[s.UnitOut], summary="单位（办公室）列表")
def list_units(request: HttpRequest):
    return request.scope.filter(Unit.objects.active().select_related("region"), "region__path")


# ---- audit -------------------------------------------------------------------------------------

audit_router = Router(tags=["审计日志"])


class AuditFilter(s.Schema):
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@audit_router.get("/audit", response=list[s.AuditOut], summary="审计日志（安全审计员）")
@paginate(Paging)
def list_audit(request: HttpRequest, filters: Query[AuditFilter]):
    errors.require(policy.read_audit_log(request.scope), "只有安全审计员可以使用此接口。")
    return core_queries.audit_entries(
        request.scope,
        core_queries.AuditFilter(
            actor_username=filters.actor or "",
            object_type=filters.object_type or "",
            object_id=filters.object_id or "",
            date_from=filters.date_from,
            date_to=filters.date_to,
        ),
    )


api.add_router("", me_router)
api.add_router("", regions)
api.add_router("", people)
api.add_router("", audit_router)
api.add_router("", targets_router)
api.add_router("", cases_router)
api.add_router("", projects_router)
api.add_router("", households_router)
api.add_router("", duty_router)
api.add_router("", party_router)
api.add_router("", reports_router)
