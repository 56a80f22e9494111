from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "zhili.people"
    label = "people"
    verbose_name = "人员与角色"

    def ready(self):
        from zhili.people import actions  # noqa: F401 — carries roles and chains across merges of villages
        from zhili.people.signins import connect

        connect()  # sign-ins, sign-outs, failures and lockouts in the audit log
