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
