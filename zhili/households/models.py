"""Households and the people in them, checked against 两不愁三保障 + 饮水安全, visited by their assistance officers.

- `HouseholdSetup`: one per subdistrict — the office in charge (民政办·扶贫), how many days make a household
  "not visited" (遍访), the radius a visit photo's location is checked against.
- `Category` (脱贫户, 监测户, 低保户, 特困供养 …) and `ChecklistItem` (不愁吃, 不愁穿, 义务教育, 基本医疗, 住房安全,
  饮水安全; or a province's own, e.g. 五通十有 as a village checklist): configurable per subdistrict.
- `Household` (户) → `Member` (a person, by identity number: one person is one row in one household — a unique
  constraint on the subdistrict's active members, never two); age and sex are derived from the number.
- `HouseholdCheck`: one row per household and checklist item — its state, evidence, the date of the last check.
- `Visit` (遍访, with `VisitPhoto`), `Measure` (what was done, with its cost), `Training` → `TrainingAttendance`,
  `Round` (回头看) → `RoundTarget`. A failing item or a visit's finding becomes a case (the cases loop) that is
  tracked to zero; the record keeps the case.
- `NameReview`: two members of one village whose names differ only in spaces or full/half-width forms, offered
  for review (never merged silently).
- `Reveal`: every time someone saw an identity or phone number in full, and why (also in the audit log).

Counting fields kept on the household (`last_visit_on`, `failing_items`) are written by the actions that change
what they count (`actions.refresh_household`), so the list and the coverage views need no join to count.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import ArchivableModel, TimeStampedModel
from zhili.regions.models import Region


class HouseholdSetup(TimeStampedModel):
    """How a subdistrict runs its household work (made with defaults the first time it is asked for)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责科室")
    )
    visit_interval_days = models.PositiveIntegerField(_("遍访周期（天）"), default=30)
    photo_radius_m = models.PositiveIntegerField(_("走访照片定位半径（米）"), default=500)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("民生户籍设置")
        verbose_name_plural = _("民生户籍设置")

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class Category(models.Model):
    """A household category (户类别): 脱贫户, 监测户, 低保户, 特困供养 … — the subdistrict's own list."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("户类别")
        verbose_name_plural = _("户类别")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "code"], name="household_category_code_unique"),
            models.UniqueConstraint(fields=["subdistrict", "name"], name="household_category_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.subdistrict.path


class Applies(models.TextChoices):
    HOUSEHOLD = "household", _("每户")
    VILLAGE = "village", _("每村")


class ChecklistItem(models.Model):
    """One item of the standard households (or villages) are checked against, with its operational test."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("代码"), max_length=30)
    group = models.CharField(_("分组"), max_length=30)  # 两不愁 / 三保障 / 饮水安全 / 五通十有
    name = models.CharField(_("名称"), max_length=60)
    test = models.CharField(_("判定标准"), max_length=300, blank=True)
    applies_to = models.CharField(_("适用对象"), max_length=10, choices=Applies.choices, default=Applies.HOUSEHOLD)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("核查项目")
        verbose_name_plural = _("核查项目")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "code"], name="checklist_item_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.subdistrict.path


class HousingGrade(models.TextChoices):
    A = "A", _("A 级（安全）")
    B = "B", _("B 级（基本安全）")
    C = "C", _("C 级（局部危险）")
    D = "D", _("D 级（整体危险）")


class Household(ArchivableModel):
    """A household (户) of a village, with its assistance officer (帮扶责任人)."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # its village, or a grid of the village
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村（网格）"))
    path = models.CharField(max_length=255, db_index=True, editable=False)  # region.path, for scoping without a join
    number = models.CharField(_("户编号"), max_length=40, blank=True)  # as the national system numbers it
    address = models.CharField(_("住址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    housing_grade = models.CharField(_("住房安全等级"), max_length=1, choices=HousingGrade.choices, blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="households", verbose_name=_("户类别"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("帮扶责任人"),
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    # counting fields, written by actions.refresh_household
    head_name = models.CharField(_("户主"), max_length=50, blank=True, editable=False)
    member_count = models.PositiveSmallIntegerField(_("人口数"), default=0, editable=False)
    last_visit_on = models.DateField(_("最近走访"), null=True, blank=True, editable=False)
    failing_items = models.PositiveSmallIntegerField(_("未达标项"), default=0, editable=False)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "number"],
                name="household_number_unique_in_subdistrict",
                condition=models.Q(archived_at__isnull=True) & ~models.Q(number=""),
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "last_visit_on"], name="household_visit_idx")]

    def __str__(self) -> str:
        return self.head_name or self.number or str(self.pk)

    def save(self, *args, **kwargs):
        self.path = self.region.path
        super().save(*args, **kwargs)

    @property
    def audit_region_path(self) -> str:
        return self.path


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


def name_key(name: str) -> str:
    """A name as compared for duplicates: full-width forms folded (NFKC), spaces and middle dots removed."""
    folded = unicodedata.normalize("NFKC", name or "")
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "·•・.")


class Member(ArchivableModel):
    """A person of a household. The identity number (GB 11643, checked) is the person: one active row per
    number in a subdistrict. Sex and birth date are derived from it when it is there, typed when it is not."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, db_index=True, editable=False)  # the household's path
    name = models.CharField(_("姓名"), max_length=50)
    name_key = models.CharField(max_length=50, db_index=True, editable=False)
    identity = models.CharField(_("身份证号"), max_length=18, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices, default=Relation.OTHER)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    health = models.CharField(_("健康状况"), max_length=10, choices=Health.choices, blank=True)
    in_school = models.BooleanField(_("在校生"), null=True, blank=True)
    insured = models.BooleanField(_("参加基本医疗保险"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "identity"],
                name="member_identity_unique_in_subdistrict",
                condition=models.Q(archived_at__isnull=True) & ~models.Q(identity=""),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day) -> int | None:
        """Whole years on `day`, from the birth date (derived from the identity number when there is one)."""
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def save(self, *args, **kwargs):
        self.path = self.household.path
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    @property
    def audit_region_path(self) -> str:
        return self.path


class CheckState(models.TextChoices):
    UNCHECKED = "unchecked", _("未核查")
    MET = "met", _("达标")
    FAILING = "failing", _("未达标")
    NOT_APPLICABLE = "na", _("不适用")


class HouseholdCheck(models.Model):
    """A household's state on one checklist item: what was found, on what evidence, when last checked."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="checks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    # The household's subdistrict, copied when saved: the key the table would be distributed by (docs/scale.md).
    # Read through its household or its path, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    state = models.CharField(_("状态"), max_length=10, choices=CheckState.choices, default=CheckState.UNCHECKED)
    evidence = models.CharField(_("佐证/说明"), max_length=500, blank=True)
    checked_on = models.DateField(_("核查日期"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("核查结果")
        verbose_name_plural = _("核查结果")
        constraints = [models.UniqueConstraint(fields=["household", "item"], name="household_check_unique")]
        indexes = [models.Index(fields=["path", "state"], name="household_check_state_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.item_id} {self.state}"

    def save(self, *args, **kwargs):
        self.path = self.household.path
        self.subdistrict_id = self.household.subdistrict_id
        super().save(*args, **kwargs)

    @property
    def audit_region_path(self) -> str:
        return self.path


class VisitKind(models.TextChoices):
    VISIT = "visit", _("遍访")
    LOOKBACK = "lookback", _("回头看")
    OTHER = "other", _("其他走访")


class Visit(models.Model):
    """A visit to a household (遍访): when, by whom, what was found; photos; a finding may become a case."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    # The household's subdistrict, copied when saved: the key the table would be distributed by (docs/scale.md).
    # Read through its household or its path, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(_("类型"), max_length=10, choices=VisitKind.choices, default=VisitKind.VISIT)
    visited_on = models.DateField(_("走访日期"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("走访人")
    )
    findings = models.TextField(_("走访情况"), blank=True)
    round = models.ForeignKey("Round", null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lng = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    client_ref = models.CharField(max_length=40, blank=True, db_index=True)  # a retried form returns this visit
    created_at = models.DateTimeField(_("录入时间"))
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["path", "visited_on"], name="household_visit_path_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"

    def save(self, *args, **kwargs):
        self.path = self.household.path
        self.subdistrict_id = self.household.subdistrict_id
        super().save(*args, **kwargs)

    @property
    def audit_region_path(self) -> str:
        return self.path


class VisitPhoto(models.Model):
    """A visit's photo, checked and stored as the cases' photos are (zhili/cases/photos.py)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    original = models.FileField(upload_to="households/original/%Y/%m")
    display = models.FileField(upload_to="households/display/%Y/%m")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    exif_lng = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    exif_lat = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.pk}"


class Measure(models.Model):
    """Something done for a household (帮扶措施): painting, a ceiling, furniture … with its cost."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="measures")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    # The household's subdistrict, copied when saved: the key the table would be distributed by (docs/scale.md).
    # Read through its household or its path, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(_("措施"), max_length=60)
    description = models.CharField(_("内容"), max_length=500, blank=True)
    cost = models.DecimalField(_("费用（元）"), max_digits=12, decimal_places=2, default=0)
    done_on = models.DateField(_("完成日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"))
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["-done_on", "-id"]

    def __str__(self) -> str:
        return self.kind

    def save(self, *args, **kwargs):
        self.path = self.household.path
        self.subdistrict_id = self.household.subdistrict_id
        super().save(*args, **kwargs)

    @property
    def audit_region_path(self) -> str:
        return self.path


class Training(models.Model):
    """A training for assistance officers (帮扶责任人培训), with who attended."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("培训主题"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TrainingAttendance", related_name="+", verbose_name=_("参训人员")
    )
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    class Meta:
        verbose_name = _("帮扶责任人培训")
        verbose_name_plural = _("帮扶责任人培训")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_path(self) -> str:
        return self.subdistrict.path


class TrainingAttendance(models.Model):
    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["training", "person"], name="training_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.training_id} {self.person_id}"


class RoundKind(models.TextChoices):
    POLICY = "policy", _("政策落实回头看")
    PROJECT = "project", _("扶贫项目复查")


class Round(models.Model):
    """A 回头看 round: a checklist, the households or villages assigned, their results; findings become cases."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=RoundKind.choices, default=RoundKind.POLICY)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    items = models.ManyToManyField(ChecklistItem, blank=True, related_name="+", verbose_name=_("核查项目"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.subdistrict.path


class TargetResult(models.TextChoices):
    PENDING = "pending", _("待核查")
    PASSED = "passed", _("无问题")
    FOUND = "found", _("发现问题")


class RoundTarget(models.Model):
    """One household (or village) assigned to a round, and what checking it found."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="targets")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")  # the household's, or the village
    path = models.CharField(max_length=255, db_index=True, editable=False)
    # The round's subdistrict, copied when saved: the key the table would be distributed by (docs/scale.md).
    # Read through its round or its path, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    result = models.CharField(_("结果"), max_length=10, choices=TargetResult.choices, default=TargetResult.PENDING)
    note = models.CharField(_("情况说明"), max_length=500, blank=True)
    checked_on = models.DateField(_("核查日期"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household"],
                name="round_household_unique",
                condition=models.Q(household__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["round", "region"], name="round_village_unique", condition=models.Q(household__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.region_id}"

    def save(self, *args, **kwargs):
        self.path = self.region.path
        self.subdistrict_id = self.round.subdistrict_id
        super().save(*args, **kwargs)

    @property
    def audit_region_path(self) -> str:
        return self.path


class ReviewState(models.TextChoices):
    OPEN = "open", _("待确认")
    SAME = "same", _("同一人（已合并）")
    DIFFERENT = "different", _("不是同一人")


class NameReview(models.Model):
    """Two active members of one village whose names are the same once spaces and full/half-width forms are
    folded (and whose identity numbers do not settle it): offered to a person, never merged silently."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, db_index=True)  # the village's path
    first = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=ReviewState.choices, default=ReviewState.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="name_review_pair_unique")]

    def __str__(self) -> str:
        return f"{self.first_id} {self.second_id}"

    @property
    def audit_region_path(self) -> str:
        return self.path


class RevealField(models.TextChoices):
    IDENTITY = "identity", _("身份证号")
    PHONE = "phone", _("联系电话")


class Reveal(models.Model):
    """Someone saw a member's identity or phone number (or a household's phone) in full, and said why."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=10, choices=RevealField.choices)
    reason = models.CharField(_("查看原因"), max_length=200)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.person_id} {self.field}"
