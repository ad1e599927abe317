from django.contrib.auth import views as auth_views
from django.urls import path

from .certificates import public_credentials as public
from .certificates import views
from .certificates.forms import FirmLoginForm

app_name = "certification"

urlpatterns = [
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:serial>/", views.verify, name="verify"),
    path("registry/", views.registry, name="registry"),
    path("e/<slug:slug>/firm/<int:nominee_id>/", views.nominee, name="nominee"),
    path("registry/<slug:slug>/", views.registry_edition, name="registry_edition"),
    path(
        "firm/login/",
        auth_views.LoginView.as_view(
            template_name="certification/firm_login.html",
            authentication_form=FirmLoginForm,
            redirect_authenticated_user=True,
        ),
        name="firm_login",
    ),
    path("firm/logout/", auth_views.LogoutView.as_view(next_page="certification:firm_login"), name="firm_logout"),
    path("firm/invitation/<str:token>/", views.invitation, name="firm_invitation"),
    path("firm/", views.dashboard, name="firm_dashboard"),
    path("firm/terms/", views.accept_terms, name="firm_terms"),
    path("firm/files/<uuid:download_key>/<slug:kind>/", views.download, name="firm_download"),
]

# Outside the language prefix (portal/urls.py).
api_urlpatterns = [
    path("api/verify/<str:serial>.json", views.verify_json, name="verify_json"),
    path(".well-known/jwks.json", public.jwks, name="jwks"),
    path("credentials/issuer.json", public.issuer, name="credential_issuer"),
    path("credentials/status/revocation.jwt", public.status_list, name="status_list"),
    path("credentials/<str:serial>.jwt", public.credential_jwt, name="credential_jwt"),
    path("credentials/<str:serial>.json", public.credential_json, name="credential_json"),
    path("badge/<str:serial>.svg", public.live_badge, name="badge"),
]
