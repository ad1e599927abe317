from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NominationsConfig(AppConfig):
    name = "nominations"
    verbose_name = _("Nominations and votes")

    def ready(self) -> None:
        # Imported once the models are loaded (Django's rule for app modules), not to dodge a cycle.
        from anymail.signals import tracking

        from audit import redaction

        from .selectors import audit_entries_with_hidden_figures
        from .suppression import on_tracking_event

        # Bounces and complaints from the mail provider's webhook feed the suppression list.
        tracking.connect(on_tracking_event, dispatch_uid="nominations.suppression")

        # The audit log keeps qualification's measures of nominees; it hides them by this app's rule.
        redaction.register(audit_entries_with_hidden_figures)
