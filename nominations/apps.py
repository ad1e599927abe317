from django.apps import AppConfig
from django.db.models.signals import post_migrate
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

        # `migrate` makes the vote partitions of editions that lack one (PostgreSQL, docs/partitioning.md).
        post_migrate.connect(make_vote_partitions, sender=self, dispatch_uid="nominations.vote_partitions")


def make_vote_partitions(sender, using="default", **kwargs) -> None:
    from .services.vote_partitions import ensure_vote_partitions

    if using == "default":
        ensure_vote_partitions()
