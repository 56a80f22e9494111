"""The words offices use in their rosters, in one place: what a 花名册 calls the product's roles, and what a
village roster calls a village or a community.

A roster's 角色 cell takes the product's own role names (街道领导, 部门工作人员, 村干部, 网格员, 只读查看, 系统管理员)
and the words offices use for the same posts (镇领导, 党委书记, 科室人员, 村支书, 专职网格员 …). The tip officer
(线索专管员) is not among them: that grant takes effect only when a second administrator confirms it, on the
person's page.
"""

from __future__ import annotations

import re
import unicodedata

from zhili.people.models import Role

ROLE_WORDS: dict[Role, tuple[str, ...]] = {
    Role.LEADER: (
        "街道领导",
        "镇领导",
        "乡领导",
        "乡镇领导",
        "领导",
        "班子成员",
        "党委书记",
        "党工委书记",
        "镇长",
        "乡长",
        "街道办主任",
        "办事处主任",
        "副书记",
        "副镇长",
        "副乡长",
        "人大主席",
        "党委委员",
        "党工委委员",
        "分管领导",
        "包村领导",
    ),
    Role.OFFICER: (
        "部门工作人员",
        "科室人员",
        "科室工作人员",
        "部门人员",
        "办公室",
        "办公室人员",
        "科员",
        "站所人员",
        "工作人员",
        "中心工作人员",
        "专干",
    ),
    Role.VILLAGE_CADRE: (
        "村干部",
        "村支书",
        "村书记",
        "村党支部书记",
        "支部书记",
        "村主任",
        "村委会主任",
        "村两委",
        "村两委成员",
        "社区书记",
        "社区主任",
        "社区干部",
        "社区工作者",
        "村会计",
        "村文书",
    ),
    Role.GRID_INSPECTOR: ("网格员", "专职网格员", "兼职网格员", "网格长", "网格管理员"),
    Role.VIEWER: ("只读查看", "查看", "只读", "查看人员", "督查人员", "访客"),
    Role.ADMIN: ("系统管理员", "管理员"),
}

PRODUCT_ROLES = ("街道领导", "部门工作人员", "村干部", "网格员", "只读查看", "系统管理员")

_BY_WORD = {word: role for role, words in ROLE_WORDS.items() for word in words}
_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


class UnknownRole(ValueError):
    pass


def _squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def roles_in(text: str) -> list[Role]:
    """The roles a 角色 cell names ("村支书、网格员": two), in order, each once. UnknownRole names a word the product
    does not know."""
    found: list[Role] = []
    for word in _SEPARATORS.split(_squeeze(text)):
        if not word:
            continue
        role = _BY_WORD.get(word)
        if role is None:
            raise UnknownRole(word)
        if role not in found:
            found.append(role)
    return found


def unknown_role_sentence(word: str) -> str:
    return f"“{word}”不是系统中的角色。可填：{'、'.join(PRODUCT_ROLES)}，或镇领导、科室人员、村支书、专职网格员等常用称呼。"


# What a village roster's 类型 column says, and the suffix a bare name takes ("孔家坊" of type 村 is "孔家坊村").
VILLAGE, COMMUNITY = "村", "社区"
KIND_WORDS = {
    "村": VILLAGE,
    "行政村": VILLAGE,
    "村委会": VILLAGE,
    "村民委员会": VILLAGE,
    "社区": COMMUNITY,
    "居委会": COMMUNITY,
    "社区居委会": COMMUNITY,
    "居民委员会": COMMUNITY,
    "城市社区": COMMUNITY,
    "农村社区": COMMUNITY,
}
_FULL_SUFFIXES = ("社区居民委员会", "村民委员会", "居民委员会", "社区居委会", "村委会", "居委会")


def village_name(text: str, kind: str | None) -> str:
    """The name a village or community is kept under: "孔家坊" → "孔家坊村" (or "孔家坊社区" for a community),
    "孔家坊村委会" → "孔家坊村", a name that already ends in 村 or 社区 unchanged."""
    name = _squeeze(text)
    for suffix in _FULL_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            if kind is None:
                kind = COMMUNITY if "居" in suffix or "社区" in suffix else VILLAGE
            break
    if name.endswith((VILLAGE, COMMUNITY)):
        return name
    return name + (kind or VILLAGE)


def kind_of(text: str) -> str | None:
    return KIND_WORDS.get(_squeeze(text))
