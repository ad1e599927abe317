from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def rate_limited(request, exception=None):
    return render(request, "429.html", status=429)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


@never_cache
def healthz(request):
    """For the container health check: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
