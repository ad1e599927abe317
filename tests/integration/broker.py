from portal.breaker import broker_breaker
from portal.celery import app


def use_broker(url: str, *, eager: bool) -> None:
    """Point the real Celery app at another broker, dropping its cached connections and producers."""
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    app._pool = None
    app.amqp._producer_pool = None
    broker_breaker.reset()
