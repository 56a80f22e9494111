"""Construction projects, their monthly figures, the taxes expected of them and the tax bureau's receipts; key
enterprises and their requests (企业诉求, tracked as cases).

- `TaxSetup`: one per subdistrict — where its projects are (the county's GB/T 2260 code, from which a
  contractor's relation is derived, and the location's class for 城市维护建设税), the office in charge (经发办),
  the 应收未收 threshold and the 应入库 threshold.
- `Enterprise`: a contractor or a key enterprise, by its unified social credit code within a subdistrict, with its
  registration place (6-digit county code).
- `Project` → `ProjectMonth` (本月收款, 本月支付分包款, 本月完成投资), typed once at the source;
  `ExpectedTax` is derived from them by `monitor.refresh` (never typed): one row per project and month.
- The importers write in one transaction (`batchable = False`), so nothing half-imported is ever seen; each
  record keeps the import that wrote it (`import_job`).
- `TaxReceipt`: a row of the tax bureau's receipts file, matched to an enterprise by USCC and to a project by
  the name in its note or by the contractor's only active project; unmatched rows are kept and listed.
- `EnterpriseRequest`: an enterprise's 诉求 (land, power, permits, labour) as a case of the cases loop.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import ArchivableModel, TimeStampedModel
from zhili.projects.taxes import LocationClass, Management, Method, Relation
from zhili.regions.models import Region


class TaxSetup(TimeStampedModel):
    """How a subdistrict monitors its projects' taxes (made with defaults the first time it is asked for)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    county_code = models.CharField(_("项目所在县（区）代码"), max_length=6)
    location_class = models.CharField(
        _("城市维护建设税适用地区"),
        max_length=10,
        choices=[
            (LocationClass.URBAN.value, _("市区（7%）")),
            (LocationClass.TOWN.value, _("县城、镇（5%）")),
            (LocationClass.OTHER.value, _("其他地区（1%）")),
        ],
        default=LocationClass.URBAN.value,
    )
    unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责科室")
    )
    gap_threshold = models.DecimalField(
        _("应收未收提示阈值（元）"), max_digits=14, decimal_places=2, default=Decimal("1000")
    )
    registration_threshold = models.DecimalField(
        _("应入库计划总投资（万元）"), max_digits=14, decimal_places=2, default=Decimal("500")
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("税源监控设置")
        verbose_name_plural = _("税源监控设置")

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class EnterpriseStatus(models.TextChoices):
    BUILDING = "building", _("在建")
    PRODUCING = "producing", _("投产")
    STOPPED = "stopped", _("停产")
    RESUMED = "resumed", _("复工")


class Enterprise(ArchivableModel):
    """A contractor (施工单位) or a key enterprise (重点企业) of a subdistrict, by its unified social credit code."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # where it is: its village, or the subdistrict for a contractor from elsewhere
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村（社区）"))
    name = models.CharField(_("企业名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    county_code = models.CharField(_("注册地（县级区划代码）"), max_length=6, blank=True)
    sector = models.CharField(_("行业"), max_length=60, blank=True)
    is_key = models.BooleanField(_("重点企业"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=EnterpriseStatus.choices, blank=True)
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("包联干部"),
    )
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "uscc"],
                name="enterprise_uscc_unique_in_subdistrict",
                condition=models.Q(archived_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("未开工")
    BUILDING = "building", _("在建")
    PAUSED = "paused", _("停工")
    FINISHED = "finished", _("竣工")


METHOD_CHOICES = [
    (Method.GENERAL.value, _("一般计税")),
    (Method.SIMPLE.value, _("简易计税")),
    (Method.SMALL_SCALE.value, _("小规模纳税人")),
]
MANAGEMENT_CHOICES = [(Management.HEAD_OFFICE.value, _("总机构直管")), (Management.BRANCH.value, _("分支机构管理"))]
RELATION_CHOICES = [
    (Relation.SAME_COUNTY.value, _("本县（区）")),
    (Relation.SAME_CITY.value, _("本市其他县（区）")),
    (Relation.SAME_PROVINCE.value, _("本省其他市")),
    (Relation.OTHER_PROVINCE.value, _("外省")),
]


class Project(ArchivableModel):
    """A construction project in the subdistrict (在建项目台账), one per name."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村"))
    name = models.CharField(_("项目名称"), max_length=200)
    owner_name = models.CharField(_("建设单位"), max_length=200, blank=True)
    contractor = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="projects", verbose_name=_("施工单位")
    )
    management = models.CharField(
        _("项目部管理方式"), max_length=12, choices=MANAGEMENT_CHOICES, default=Management.BRANCH.value
    )
    method = models.CharField(_("计税方法"), max_length=12, choices=METHOD_CHOICES, default=Method.GENERAL.value)
    # derived from the contractor's registration place and the subdistrict's county when written
    relation = models.CharField(_("施工单位注册地"), max_length=16, choices=RELATION_CHOICES)
    contract_amount = models.DecimalField(_("合同金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    planned_investment = models.DecimalField(_("计划总投资（万元）"), max_digits=14, decimal_places=2)
    start = models.DateField(_("开工日期"), null=True, blank=True)
    finish = models.DateField(_("竣工日期"), null=True, blank=True)
    status = models.CharField(_("项目状态"), max_length=10, choices=ProjectStatus.choices)
    in_park = models.BooleanField(_("属于绿色建设产业园"), default=False)
    registered = models.BooleanField(_("已入库"), default=False)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("建设项目")
        verbose_name_plural = _("建设项目")
        ordering = ["name"]
        indexes = [models.Index(fields=["subdistrict", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "name"],
                name="project_name_unique_in_subdistrict",
                condition=models.Q(archived_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class ProjectMonth(TimeStampedModel):
    """A project's figures for a month, as the project reports them."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="months")
    # The project's subdistrict, copied when written: the key the table would be distributed by (docs/scale.md).
    # Read through its project, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField(_("月份"))  # the first day of the month
    received = models.DecimalField(_("本月收款（元）"), max_digits=16, decimal_places=2, default=Decimal(0))
    subcontract = models.DecimalField(_("本月支付分包款（元）"), max_digits=16, decimal_places=2, default=Decimal(0))
    investment = models.DecimalField(_("本月完成投资（万元）"), max_digits=14, decimal_places=2, default=Decimal(0))
    revision = models.PositiveIntegerField(default=1)
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("项目月度数据")
        verbose_name_plural = _("项目月度数据")
        ordering = ["project_id", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="project_month_unique")]

    @property
    def audit_region_path(self) -> str:
        return self.project.region.path


class ExpectedTax(models.Model):
    """The taxes expected here of a project in a month — derived by `monitor.refresh` from its months and the
    rules in force (taxes.py); never typed, rewritten whenever what it depends on changes."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="expected")
    # The project's subdistrict, copied when computed: the key the table would be distributed by (docs/scale.md).
    # Read through its project, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField()
    base = models.DecimalField(max_digits=16, decimal_places=2)
    carried = models.DecimalField(max_digits=16, decimal_places=2)
    vat = models.DecimalField(max_digits=16, decimal_places=2)
    urban_maintenance = models.DecimalField(max_digits=16, decimal_places=2)
    education = models.DecimalField(max_digits=16, decimal_places=2)
    local_education = models.DecimalField(max_digits=16, decimal_places=2)
    income_tax = models.DecimalField(max_digits=16, decimal_places=2)
    leaves = models.BooleanField(default=False)
    at_stake = models.DecimalField(max_digits=16, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["project_id", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="expected_tax_unique")]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m}"


class TaxKind(models.TextChoices):
    """The 税种 of a receipt, as the tax bureau names them (the ExpectedTax field each is compared with)."""

    VAT = "vat", _("增值税")
    URBAN_MAINTENANCE = "urban_maintenance", _("城市维护建设税")
    EDUCATION = "education", _("教育费附加")
    LOCAL_EDUCATION = "local_education", _("地方教育附加")
    INCOME_TAX = "income_tax", _("企业所得税")


class TaxReceipt(TimeStampedModel):
    """A row of the tax bureau's receipts (实缴), kept whether or not it matched an enterprise or a project."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # where it counts: the matched project's village, else the enterprise's, else the subdistrict
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    taxpayer_id = models.CharField(_("纳税人识别号"), max_length=20)
    taxpayer_name = models.CharField(_("纳税人名称"), max_length=200)
    tax = models.CharField(_("税种"), max_length=20, choices=TaxKind.choices)
    period = models.DateField(_("所属期"))  # the first day of the month
    amount = models.DecimalField(_("实缴金额（元）"), max_digits=16, decimal_places=2)
    project_name = models.CharField(_("项目名称"), max_length=200, blank=True)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts")
    key = models.CharField(max_length=300)  # what makes a receipt the same receipt (duplicates)
    revision = models.PositiveIntegerField(default=1)
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("税收入库明细")
        verbose_name_plural = _("税收入库明细")
        ordering = ["period", "taxpayer_id", "tax"]
        indexes = [models.Index(fields=["subdistrict", "period"]), models.Index(fields=["project", "period"])]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "key"], name="tax_receipt_key_unique")]

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class EnterpriseRequest(TimeStampedModel):
    """An enterprise's request (诉求: land, power, permits, labour), tracked to closure as a case."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="requests")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="enterprise_request")
    kind = models.CharField(_("诉求类型"), max_length=20)

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-created_at"]

    @property
    def audit_region_path(self) -> str:
        return self.enterprise.region.path


# ---- public works (公共工程、乡村振兴项目) -----------------------------------------------------------------
# The subdistrict's own works — rural-revitalization projects, public toilets, the service centre, the cemetery
# site, road repairs — each led by an office, moving through seven stages with a planned and an actual date each;
# the stages are rows (`WorkStage`), so "which works reached 招标 in the window" is one filtered query
# (works_source.py) and a stage's dates change without touching the work. Milestones carry a checked photo
# (cases/photos.check_photo: the original kept, an EXIF-free copy shown), served through scope.


class WorkKind(models.TextChoices):
    RURAL = "rural", _("乡村振兴项目")
    FACILITY = "facility", _("公共设施")
    TOILET = "toilet", _("村级公厕")
    ROAD = "road", _("道路")
    OTHER = "other", _("其他工程")


class WorkStageName(models.TextChoices):
    """The stages in order: a work reaches each one after the one before."""

    PLAN = "plan", _("谋划")
    APPROVE = "approve", _("立项")
    TENDER = "tender", _("招标")
    BUILD = "build", _("施工")
    FINISH = "finish", _("完工")
    ACCEPT = "accept", _("验收")
    EFFECT = "effect", _("见效")


WORK_STAGES: list[str] = list(WorkStageName.values)


class Work(ArchivableModel):
    """A public work or rural-revitalization project (公共工程、乡村振兴项目) of a subdistrict."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # its village, or the subdistrict itself for a work of the whole (the service centre, the cemetery)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村"))
    name = models.CharField(_("工程名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=12, choices=WorkKind.choices)
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    funds_planned = models.DecimalField(_("计划资金（万元）"), max_digits=12, decimal_places=2, default=Decimal(0))
    funds_allocated = models.DecimalField(_("已拨付（万元）"), max_digits=12, decimal_places=2, default=Decimal(0))
    funds_spent = models.DecimalField(_("已支出（万元）"), max_digits=12, decimal_places=2, default=Decimal(0))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("公共工程")
        verbose_name_plural = _("公共工程")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["subdistrict", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "name"],
                name="work_name_unique_in_subdistrict",
                condition=models.Q(archived_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class WorkStage(models.Model):
    """One stage of a work: when it was planned to be reached, and when it was (empty until then)."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="stages")
    # The work's subdistrict, copied when written: the key the table would be distributed by (docs/scale.md).
    # Read through its work, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    stage = models.CharField(_("阶段"), max_length=10, choices=WorkStageName.choices)
    planned = models.DateField(_("计划日期"), null=True, blank=True)
    actual = models.DateField(_("实际日期"), null=True, blank=True)

    class Meta:
        ordering = ["work_id", "id"]
        constraints = [models.UniqueConstraint(fields=["work", "stage"], name="work_stage_unique")]
        indexes = [models.Index(fields=["stage", "actual"])]

    def __str__(self) -> str:
        return f"{self.work_id} {self.get_stage_display()}"

    @property
    def order(self) -> int:
        return WORK_STAGES.index(self.stage)


class WorkMilestone(models.Model):
    """A milestone of a work (a foundation poured, a roof on, a handover), with a photo when there is one."""

    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="milestones")
    # The work's subdistrict, copied when written: the key the table would be distributed by (docs/scale.md).
    # Read through its work, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField(_("日期"))
    title = models.CharField(_("节点"), max_length=200)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    original = models.FileField(upload_to="works/original/%Y/%m", blank=True)
    display = models.FileField(upload_to="works/display/%Y/%m", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def has_photo(self) -> bool:
        return bool(self.display)

    @property
    def audit_region_path(self) -> str:
        return self.work.region.path
