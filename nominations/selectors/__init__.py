"""Functions that read for views and the admin, by topic; everything is importable from `nominations.selectors`."""

from .editions import *  # noqa: F403
from .editions import __all__ as _editions
from .results import *  # noqa: F403
from .results import __all__ as _results
from .visibility import *  # noqa: F403
from .visibility import __all__ as _visibility

__all__ = [*_editions, *_results, *_visibility]
