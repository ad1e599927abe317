"""The portal's Celery app for a test's worker: its default queue is the test's own (TEST_CELERY_QUEUE).

So what the worker queues itself (a retry, the next batch) stays on that queue, where no other
run's worker looks. `celery -A tests.integration.worker_app worker -Q <the queue>`.
"""

import os

from portal import background
from portal.celery import app

app.conf.task_default_queue = os.environ["TEST_CELERY_QUEUE"]
app.conf.task_routes = background.task_routes(prefix=os.environ["TEST_CELERY_QUEUE"] + "-")
