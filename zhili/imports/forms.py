from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("支持 .xlsx、.xls、.ods、.csv；先预览，确认后才写入。"))
