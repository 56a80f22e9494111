import datetime
from decimal import Decimal

from ninja import Field, Schema

# The same limits as the pages' forms (zhili/regions/forms.py, zhili/people/forms.py).
Lng = Field(None, ge=73, le=136, description="WGS-84 经度")
Lat = Field(None, ge=3, le=54, description="WGS-84 纬度")


class Message(Schema):
    detail: str


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_name: str
    parent_code: str | None
    path: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    successor_code: str | None
    center_lng: Decimal | None
    center_lat: Decimal | None
    is_synthetic: bool

    @staticmethod
    def resolve_level_name(obj) -> str:
        return obj.get_level_display()

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_successor_code(obj) -> str | None:
        return obj.successor.code if obj.successor_id else None


class RegionDetailOut(RegionOut):
    boundary: dict | None
    note: str


class RegionCreateIn(Schema):
    code: str
    name: str
    level: int
    parent_code: str
    valid_from: datetime.date | None = None
    boundary: dict | None = None
    center_lng: Decimal | None = Lng
    center_lat: Decimal | None = Lat
    note: str = ""


class RegionUpdateIn(Schema):
    name: str | None = None
    boundary: dict | None = None
    center_lng: Decimal | None = Lng
    center_lat: Decimal | None = Lat
    note: str | None = None
    reason: str = ""


class MergeIn(Schema):
    village_codes: list[str]
    code: str
    name: str
    on: datetime.date
    reason: str


class ChainEntryOut(Schema):
    order: int
    level: str
    name: str | None
    phone: str | None
    person_id: int | None


class RoleOut(Schema):
    id: int
    role: str
    role_name: str
    region_code: str
    region_name: str
    unit_code: str | None
    title: str
    ended_at: datetime.datetime | None
    awaiting_confirmation: bool  # granted, but not in force until a second administrator confirms it

    @staticmethod
    def resolve_role_name(obj) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name

    @staticmethod
    def resolve_unit_code(obj) -> str | None:
        return obj.unit.code if obj.unit_id else None


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    phone: str
    title: str
    region_code: str | None
    unit_code: str | None
    is_active: bool

    @staticmethod
    def resolve_region_code(obj) -> str | None:
        return obj.region.code if obj.region_id else None

    @staticmethod
    def resolve_unit_code(obj) -> str | None:
        return obj.unit.code if obj.unit_id else None


class PersonCreateIn(Schema):
    username: str = Field(..., pattern=r"^[A-Za-z0-9_.@+-]{1,150}$")
    full_name: str = Field(..., min_length=1, max_length=50)
    region_code: str
    phone: str = ""
    title: str = ""
    unit_code: str | None = None
    password: str | None = None


class RoleGrantIn(Schema):
    role: str
    region_code: str | None = None
    unit_code: str | None = None
    title: str = ""


class ReasonIn(Schema):
    reason: str


class MeOut(Schema):
    person: PersonOut
    roles: list[RoleOut]
    read_paths: list[str]
    write_paths: list[str]
    admin_paths: list[str]
    is_superuser: bool


class UnitOut(Schema):
    id: int
    code: str
    name: str
    region_code: str

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenCreateIn(Schema):
    name: str


class TokenCreatedOut(TokenOut):
    token: str


class AuditOut(Schema):
    id: int
    at: datetime.datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    reason: str
