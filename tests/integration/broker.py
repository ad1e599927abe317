from portal import background
from portal.breaker import broker_breaker
from portal.celery import app


def use_broker(url: str, *, eager: bool, queue: str | None = None) -> None:
    """Point the real Celery app at another broker (and, if given, another default queue).

    Drops its cached connections, producers and routes, which were built for the old ones.
    """
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    if queue is not None:
        # A test's queues: its own name, and its own copy of each kind (mail, tallies, files).
        app.conf.task_default_queue = queue
        app.conf.task_routes = background.task_routes(prefix=queue_prefix(queue))
    app._pool = None
    del app.amqp  # its queues, router and producer pool; rebuilt from app.conf when next used
    broker_breaker.reset()


def queue_prefix(queue: str) -> str:
    """Queue names of a test run: "<its queue>-mail" and so on; the settings' own routes have no prefix."""
    return "" if queue == background.TALLIES else f"{queue}-"
