"""Background work of cases, run by `zhili worker` (core/jobs.py): senders' digests go once their window is over,
whether or not new reports come."""

from zhili.cases import senders
from zhili.core import jobs

jobs.register(senders.forget_old_now_and_then)
