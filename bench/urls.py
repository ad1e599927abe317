"""The portal's URLs and /bench/minimal/: the same server, middleware and one ORM query, nothing else."""

from django.http import HttpResponse
from django.urls import path

from nominations.models import Edition
from portal.urls import urlpatterns as portal_urlpatterns


def bench_minimal(request):
    return HttpResponse(str(Edition.objects.filter(pk=1).exists()), content_type="text/plain")


urlpatterns = [*portal_urlpatterns, path("bench/minimal/", bench_minimal)]
