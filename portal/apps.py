import contextlib

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from django.test.signals import setting_changed

        from . import checks  # noqa: F401  (registers the system checks)

        setting_changed.connect(_forget_page_frames)


def _forget_page_frames(**kwargs) -> None:
    """A test that changes settings (the programme's name, a language) sees them in the page frame at once."""
    from django.core.cache import InvalidCacheBackendError, caches

    # A test's own CACHES may lack it: the {% cache %} tag then uses "default", which that test owns.
    with contextlib.suppress(InvalidCacheBackendError):
        caches["template_fragments"].clear()
