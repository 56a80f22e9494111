"""Background work of the bulletins app (found by name: CoreConfig.ready imports it)."""

from zhili.bulletins import (
    delivery,
    schedule,  # noqa: F401  the weekly build (@jobs.scheduled, @jobs.handler)
)
from zhili.core import jobs

jobs.register(delivery.deliver_due)  # the chat groups' deliveries: due parts, in order, within the robots' rates
