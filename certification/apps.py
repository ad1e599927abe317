from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from nominations.signals import tally_finalised


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        # Imported once the models are loaded (Django's rule for receivers and checks), not to dodge a cycle.
        from . import checks  # noqa: F401  (registers the system checks)
        from .vetting.receivers import qualify_when_final

        tally_finalised.connect(qualify_when_final, dispatch_uid="certification.qualify_when_final")
