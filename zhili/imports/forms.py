from __future__ import annotations

from django import forms


class ImportForm(forms.Form):
    file = forms.FileField(label="文件", help_text="支持 .xlsx、.xls、.ods、.csv；先预览，确认后才写入。")
