"""Times of an edition as its public pages say them: in its own time zone, with the zone named."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def edition_time(value, edition) -> str:
    """ "31 March 2027, 23:59 (Bucharest time)": an instant of a window, never a bare date that reads a day late."""
    if value is None:
        return ""
    local = timezone.localtime(value, edition.zone)
    return f"{date_format(local, 'DATE_FORMAT')}, {local:%H:%M} ({edition.get_time_zone_display()})"
