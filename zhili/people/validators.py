"""Password rules beyond Django's own (等保: 口令应有复杂度要求): at least N of the four kinds of character."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

KINDS = (
    ("upper", lambda c: c.isascii() and c.isupper()),
    ("lower", lambda c: c.isascii() and c.islower()),
    ("digit", lambda c: c.isdigit()),
    ("symbol", lambda c: not c.isalnum() and not c.isspace()),
)


def _kind_names() -> str:
    return _("大写字母、小写字母、数字、符号")


class CharacterClassesValidator:
    """A password holds at least `min_classes` of: upper-case letters, lower-case letters, digits, symbols
    (ZHILI_PASSWORD_CHAR_CLASSES, default 3; 1 turns the rule off)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = max(1, min(4, int(min_classes)))

    def kinds(self, password: str) -> int:
        return sum(1 for _name, test in KINDS if any(test(c) for c in password))

    def validate(self, password: str, user=None) -> None:
        if self.kinds(password) < self.min_classes:
            raise ValidationError(
                _("密码须至少包含%(kinds)s这四类中的 %(n)s 类。") % {"kinds": _kind_names(), "n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("至少包含%(kinds)s中的 %(n)s 类。") % {"kinds": _kind_names(), "n": self.min_classes}
