"""Functions that read for views and the admin, by topic; everything is importable from `nominations.selectors`."""

from .editions import *  # noqa: F403
from .editions import __all__ as _editions
from .integrity import *  # noqa: F403
from .integrity import __all__ as _integrity
from .integrity_chart import *  # noqa: F403
from .integrity_chart import __all__ as _chart
from .results import *  # noqa: F403
from .results import __all__ as _results
from .visibility import *  # noqa: F403
from .visibility import __all__ as _visibility

__all__ = [*_editions, *_integrity, *_chart, *_results, *_visibility]
