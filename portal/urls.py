from anymail.urls import urlpatterns as anymail_urlpatterns
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from django.views.i18n import set_language

from certification.urls import api_urlpatterns as certification_api
from portal import identity
from portal.views import healthz, only_configured_provider

admin.site.site_header = lazy(identity.programme_name, str)()
admin.site.site_title = lazy(identity.programme_name, str)()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz/", healthz, name="healthz"),
    # The mail provider's tracking webhooks (bounces and complaints feed the suppression list).
    # Only the configured provider's answers (settings.ANYMAIL_PROVIDER); another provider's
    # view would fail for want of its settings, so its address is a 404.
    path("anymail/", include(only_configured_provider(anymail_urlpatterns))),
    *certification_api,
]
# No media route: certificate files and evidence are served only by views that check access.
urlpatterns += i18n_patterns(
    path("", include("nominations.urls")),
    path("", include("certification.urls")),
)
