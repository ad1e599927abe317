"""Settings, driven by environment variables (see .env.example), one module per concern.

With DEBUG off the defaults are the safe ones, and a missing SECRET_KEY or
ALLOWED_HOSTS stops start-up instead of running with a guess.
"""

from .core import *  # noqa: F403
from .data import *  # noqa: F403
from .mail import *  # noqa: F403
from .programme import *  # noqa: F403
from .security import *  # noqa: F403
from .tasks import *  # noqa: F403
