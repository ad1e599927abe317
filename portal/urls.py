from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from django.views.i18n import set_language

from certification.urls import api_urlpatterns as certification_api
from portal import identity
from portal.views import healthz

admin.site.site_header = lazy(identity.programme_name, str)()
admin.site.site_title = lazy(identity.programme_name, str)()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz/", healthz, name="healthz"),
    # The mail provider's tracking webhooks (bounces and complaints feed the suppression list).
    path("anymail/", include("anymail.urls")),
    *certification_api,
]
# No media route: certificate files and evidence are served only by views that check access.
urlpatterns += i18n_patterns(
    path("", include("nominations.urls")),
    path("", include("certification.urls")),
)
