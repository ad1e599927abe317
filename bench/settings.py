"""The production settings plus the benchmarks' one-query baseline view (bench/http_load.py serves with these)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
