"""gunicorn settings of the web container (the Dockerfile's CMD; tests/production runs the same line).

gunicorn sits behind nginx (deploy/nginx/portal.conf.template), which buffers whole requests
and responses, so a slow client holds an nginx connection, never a worker. Threads on top of
that keep /healthz/ answering while a few requests wait on the database or Redis.
"""

import os

# The proxy reaches the container on this address; nothing else can (no published port).
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
# WEB_CONCURRENCY is gunicorn's own variable; read here so the default is written down.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that takes longer than this is a bug or a stuck backend: the worker is recycled.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# nginx keeps idle connections to the upstream open (keepalive in the upstream block).
keepalive = 75
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Access log on stdout: method, path with tokens redacted, no query string, no client address
# (portal/logs.py). The proxy's address is all gunicorn sees anyway.
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
logger_class = "portal.logs.RedactingGunicornLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# gunicorn's own forwarded_allow_ips stays at its default: Django reads X-Forwarded-Proto
# (SECURE_PROXY_SSL_HEADER) and X-Forwarded-For (TRUSTED_PROXY_COUNT) itself.
# No control socket (gunicorn 25+, for its `gunicornc` tool, which nothing here uses): by
# default it sits in the user's home, where two nodes on one host would take each other's.
control_socket_disable = True
