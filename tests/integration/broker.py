from portal.breaker import broker_breaker
from portal.celery import app


def use_broker(url: str, *, eager: bool, queue: str | None = None) -> None:
    """Point the real Celery app at another broker (and, if given, another default queue).

    Drops its cached connections, producers and routes, which were built for the old ones.
    """
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    if queue is not None:
        app.conf.task_default_queue = queue
    app._pool = None
    del app.amqp  # its queues, router and producer pool; rebuilt from app.conf when next used
    broker_breaker.reset()
