from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DemoConfig(AppConfig):
    """The Taiping demo: its loader, its synthetic names and its command (`zhili demo`). Nothing else imports it."""

    name = "zhili.demo"
    label = "demo"
    verbose_name = "演示数据"

    def ready(self):
        """The demo's one action in the audit log (taiping.load), by its name (core/audit.describe)."""
        from zhili.core import audit

        what = {
            "flags": gettext_lazy("设置"),
            "regions": gettext_lazy("区划"),
            "units": gettext_lazy("单位"),
            "people": gettext_lazy("人员"),
            "roles": gettext_lazy("角色"),
            "chain levels": gettext_lazy("责任链层级"),
            "chain links": gettext_lazy("责任链"),
            "goals": gettext_lazy("目标"),
            "tasks": gettext_lazy("任务"),
            "milestones": gettext_lazy("节点"),
            "indicators": gettext_lazy("指标"),
            "light rules": gettext_lazy("亮灯规则"),
            "target shares": gettext_lazy("分解"),
            "progress entries": gettext_lazy("进度填报"),
            "activity records": gettext_lazy("工作记录"),
            "ranking schemes": gettext_lazy("排名方案"),
            "ranking weights": gettext_lazy("排名权重"),
            "reminders": gettext_lazy("催办"),
            "ledgers": gettext_lazy("台账"),
            "ledger rows": gettext_lazy("台账行"),
            "case categories": gettext_lazy("事件类别"),
            "route rules": gettext_lazy("派遣规则"),
            "inspection batches": gettext_lazy("上级督查批次"),
            "patrols": gettext_lazy("巡查"),
            "cases": gettext_lazy("事件"),
            "case events": gettext_lazy("办理记录"),
            "case photos": gettext_lazy("事件照片"),
            "extension requests": gettext_lazy("延期申请"),
            "works": gettext_lazy("公共工程"),
            "tax setups": gettext_lazy("税源监控设置"),
            "enterprises": gettext_lazy("企业"),
            "projects": gettext_lazy("建设项目"),
            "project months": gettext_lazy("项目月度数据"),
            "tax receipts": gettext_lazy("税收入库明细"),
            "enterprise requests": gettext_lazy("企业诉求"),
            "party branches": gettext_lazy("党支部"),
            "party members": gettext_lazy("党员"),
            "party meetings": gettext_lazy("支部会议"),
            "integrity talks": gettext_lazy("廉政谈话"),
            "lead geese": gettext_lazy("头雁队伍"),
            "bulletins": gettext_lazy("周通报"),
            "bulletin corrections": gettext_lazy("周通报更正"),
            "review meetings": gettext_lazy("点评会"),
            "decisions": gettext_lazy("督办事项"),
            "decisions reported": gettext_lazy("督办事项报办结"),
            "decisions closed": gettext_lazy("督办事项销号"),
            "households": gettext_lazy("户"),
            "household members": gettext_lazy("家庭成员"),
            "household checks": gettext_lazy("两不愁三保障核查"),
            "household visits": gettext_lazy("走访记录"),
            "assistance measures": gettext_lazy("帮扶措施"),
            "trainings": gettext_lazy("帮扶责任人培训"),
            "training attendance": gettext_lazy("参训记录"),
            "duty setups": gettext_lazy("坐班设置"),
            "duty sign-ins": gettext_lazy("坐班签到"),
            "report forms": gettext_lazy("上报报表"),
            "report cells mapped": gettext_lazy("报表单元格映射"),
            "report filings": gettext_lazy("报表报送"),
            "report corrections": gettext_lazy("报表更正"),
        }
        audit.describe({"demo.load": gettext_lazy("载入演示数据")}, fields={"demo.load": what})
