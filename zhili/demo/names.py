"""Synthetic names for the demo. Every person and every village not named in the article is made up here,
from a fixed seed, and marked is_synthetic in the database so nobody mistakes them for real ones."""

from __future__ import annotations

import random

# The article names these villages; the seats 太平 and 庙廊 are communities.
ARTICLE_VILLAGES = ["郎家", "孙家店", "小王", "哈叭沟", "阎桥", "来佛寺", "白家堰", "孔家坊"]
SEATS = ["太平", "庙廊"]

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_GIVEN = "国建明华军平志强文军秀英玉兰桂芳淑珍海涛红霞春梅永刚立新德胜振东宝山金凤丽娟凤英学军庆丰长青俊杰秋菊爱民"
_VILLAGE_STEMS = ["家", "庄", "家庙", "家寨", "家洼", "官庄", "家圈", "屯", "家集", "家桥", "家口", "楼"]


def village_names(total: int, seed: int = 2020) -> list[tuple[str, bool]]:
    """(name, is_synthetic) for `total` villages: the article's eight, the two seats, then made-up ones."""
    rng = random.Random(seed)
    names: list[tuple[str, bool]] = [(f"{n}社区", False) for n in SEATS]
    names += [(f"{n}村", False) for n in ARTICLE_VILLAGES]
    taken = {n for n, _ in names} | {f"{n}村" for n in SEATS}
    while len(names) < total:
        name = rng.choice(_SURNAMES) + rng.choice(_VILLAGE_STEMS) + "村"
        if name not in taken and not any(name.startswith(a) for a in ARTICLE_VILLAGES):
            taken.add(name)
            names.append((name, True))
    return names


class PersonNames:
    """Distinct made-up Chinese names and obviously fake phone numbers (139 0000 xxxx)."""

    def __init__(self, seed: int = 91):
        self.rng = random.Random(seed)
        self.used: set[str] = set()
        self.phone_seq = 0

    def name(self) -> str:
        while True:
            given = self.rng.choice(_GIVEN) + (self.rng.choice(_GIVEN) if self.rng.random() < 0.7 else "")
            full = self.rng.choice(_SURNAMES) + given
            if full not in self.used:
                self.used.add(full)
                return full

    def phone(self) -> str:
        self.phone_seq += 1
        return f"1390000{self.phone_seq:04d}"
