from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from portal import health


def rate_limited(request, exception=None, retry_minutes=None):
    return render(request, "429.html", {"retry_minutes": retry_minutes}, status=429)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


@never_cache
def healthz(request):
    """For the proxy's and the orchestrator's health checks: 503 when the database, Redis or storage is down."""
    results = health.components()
    ok = health.healthy(results)
    return JsonResponse({"status": "ok" if ok else "down", **results}, status=200 if ok else 503)


def only_configured_provider(patterns: list) -> list:
    """Anymail's tracking webhooks, each answering only for settings.ANYMAIL_PROVIDER and 404 for any other provider."""
    from functools import wraps

    from django.conf import settings
    from django.http import Http404
    from django.urls import path

    def guarded(view, provider):
        @wraps(view)
        def answer(request, *args, **kwargs):
            if provider != settings.ANYMAIL_PROVIDER:
                raise Http404
            return view(request, *args, **kwargs)

        return answer

    tracking = [p for p in patterns if (p.name or "").endswith("_tracking_webhook")]
    return [
        path(str(p.pattern), guarded(p.callback, p.name.removesuffix("_tracking_webhook")), name=p.name)
        for p in tracking
    ]
