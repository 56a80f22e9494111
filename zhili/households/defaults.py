"""What a subdistrict starts with until it configures its own: the household categories and the 两不愁三保障 +
饮水安全 checklist (../shared/domain/README.md §6; the operational tests as Shandong applies them)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

# (code, name): names are the subdistrict's own words once saved (data), so marked but stored in Chinese
CATEGORIES = [
    ("tuopin", gettext_noop("脱贫户")),
    ("jiance", gettext_noop("监测户")),
    ("dibao", gettext_noop("低保户")),
    ("tekun", gettext_noop("特困供养户")),
]

# (code, group, name, test)
CHECKLIST = [
    ("food", gettext_noop("两不愁"), gettext_noop("不愁吃"), gettext_noop("主粮和必要的蛋白质摄入有保障")),
    ("clothes", gettext_noop("两不愁"), gettext_noop("不愁穿"), gettext_noop("四季有换季衣服、被褥")),
    ("education", gettext_noop("三保障"), gettext_noop("义务教育有保障"), gettext_noop("6–15 岁子女无失学辍学")),
    (
        "medical",
        gettext_noop("三保障"),
        gettext_noop("基本医疗有保障"),
        gettext_noop("全员参加基本医疗保险，大病有救治"),
    ),
    ("housing", gettext_noop("三保障"), gettext_noop("住房安全有保障"), gettext_noop("住房经鉴定为 A 级或 B 级")),
    (
        "water",
        gettext_noop("饮水安全"),
        gettext_noop("饮水安全有保障"),
        gettext_noop("水质、水量、取水便利和供水保证率达标"),
    ),
]

CIVIL_UNIT = "civil"  # the office a new setup names as in charge, where the subdistrict has one by this code
