# Numbers as Chinese official tables print them: thousands grouped by three with commas (12,000 万元).
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
