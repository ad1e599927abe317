"""E-mail (SMTP or a provider through django-anymail), the site's address and the programme's identity."""

import os
import secrets

from portal.env import env_bool, env_colour, env_int, env_per_language, env_str

# E-mail: printed to the console unless an SMTP host is configured.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Customers' Friend <no-reply@localhost>")
# Mail at volume through a provider's HTTP API with django-anymail: set EMAIL_BACKEND to
# anymail.backends.<provider>.EmailBackend (amazon_ses, mailgun, postmark, sendgrid, brevo, ...)
# and the provider's settings as ANYMAIL_<NAME> (ANYMAIL_MAILGUN_API_KEY=..., anymail's names).
# The provider's tracking webhook, /anymail/<provider>/tracking/, protected by
# ANYMAIL_WEBHOOK_SECRET ("user:password" in the webhook URL), feeds the bounce suppression
# list (nominations/suppression.py) that the vote mail respects.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_") and value
}
# No secret configured: a random one, so the webhook refuses every caller rather than letting
# anyone put voters' addresses on the suppression list.
ANYMAIL["WEBHOOK_SECRET"] = env_str("ANYMAIL_WEBHOOK_SECRET", f"unset:{secrets.token_urlsafe(32)}")
# The provider whose tracking webhook is mounted (portal/urls.py): the one EMAIL_BACKEND
# names (anymail.backends.<provider>.EmailBackend), or none.
ANYMAIL_PROVIDER = (
    EMAIL_BACKEND.split(".")[2]
    if EMAIL_BACKEND.startswith("anymail.backends.") and EMAIL_BACKEND.count(".") >= 3
    else ""
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The address links in e-mails point to (no request at hand in a Celery task), and the
# verification host printed on every certificate.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The programme's identity, shown on the public pages, e-mails, certificates and logos
# (portal/identity.py). A name or title set for one language must be set for all three
# (portal/checks.py); unset, each language has its translated default.
PROGRAMME_NAME = env_per_language("PROGRAMME_NAME")  # default: "Customers' Friend"
CERTIFICATE_TITLE = env_per_language("CERTIFICATE_TITLE")  # default: "Customer Friendly Certificate"
CERTIFYING_BODY_NAME = env_str("CERTIFYING_BODY_NAME", "ICERTIAS")
CERTIFYING_BODY_ADDRESS = env_str("CERTIFYING_BODY_ADDRESS", "")  # default: "Zurich, Switzerland", translated
CERTIFYING_BODY_CONTACT = env_str("CERTIFYING_BODY_CONTACT", "")  # an e-mail or web address; none by default
# The medal's colours: rim and ribbon, face, and lettering.
MARK_RIM_COLOUR = env_colour("MARK_RIM_COLOUR", "#B8860B")
MARK_FACE_COLOUR = env_colour("MARK_FACE_COLOUR", "#F3E3A6")
MARK_INK_COLOUR = env_colour("MARK_INK_COLOUR", "#1F2A36")
