"""The three administrators of 三员分立, as personas: the demo's when it has them, else made here (in the test's
transaction, rolled back after it). The lead adds them to the demo under these login names.

- demo-admin:    系统管理员 of 太平街道 only (people, units, regions, ordinary roles; no audit log)
- demo-security: 安全保密管理员 of 太平街道 (administrators' and tip officers' roles, their accounts, unlocking)
- demo-auditor:  安全审计员 of 太平街道 (reads and exports the audit log, nothing else)
"""

from __future__ import annotations

from zhili.people.models import Person, Role, RoleAssignment

ADMIN_PERSONAS = {
    "sysadmin": ("demo-admin", "钱系统", "系统管理员", Role.ADMIN),
    "security": ("demo-security", "孙安全", "安全保密管理员", Role.SECURITY_ADMIN),
    "auditor": ("demo-auditor", "李审计", "安全审计员", Role.AUDIT_ADMIN),
}


def admin_persona(world, name: str) -> Person:
    username, full_name, title, role = ADMIN_PERSONAS[name]
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = Person.objects.create_user(
            username=username, full_name=full_name, title=title, region=world.sub, password="Zhili-demo-2020"
        )
    if not RoleAssignment.objects.active().filter(person=person, role=role, region=world.sub).exists():
        RoleAssignment.objects.create(person=person, role=role, region=world.sub, title=title)
    return person
