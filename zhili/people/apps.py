from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "zhili.people"
    label = "people"
    verbose_name = "人员与角色"
