# Numbers as Chinese official tables print them: thousands grouped by three with commas (12,000 万元).
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
MONTH_DAY_FORMAT = "n月j日"  # 4月10日, as officials write it (Django: 04月10日)
