"""The admin's side of the visibility rules in nominations.selectors, for the model admins of every app.

Django's admin accepts any local field, and any annotation, as a URL filter. Every model
admin that can reach the votes or tallies takes this mixin, so a hand-typed filter goes
through selectors.may_filter_by: one the user may not run answers as an unknown field
does (a redirect to ?e=1), and tells nothing a filter on a nonexistent field would not.
"""

from django.contrib.admin.options import IncorrectLookupParameters

from . import selectors


class VisibilityAdminMixin:
    # Annotations of the admin's queryset that carry vote figures (filtered only by those who see every figure).
    figure_annotations: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request):
        if not selectors.may_filter_by(
            user=request.user, model=self.model, lookup=lookup, figure_annotations=self.figure_annotations
        ):
            raise IncorrectLookupParameters(f"Cannot resolve keyword '{lookup}'")
        return super().lookup_allowed(lookup, value, request)
