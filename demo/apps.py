from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Development data only: `seed_demo` (make run, the benchmarks). No models; nothing in the domain imports it."""

    name = "demo"
    verbose_name = "Demo data"
