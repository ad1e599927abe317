"""Stored objects (certificate files, evidence) through Django's storage API: local disk or S3-compatible storage.

Nothing reads a stored object by its local path: every web node and worker reaches
the same objects through `STORAGES["default"]` (settings, "Object storage"). The
download views stream an object through themselves after their access check, so a
revocation stops the next download at once (see the README, "Production").
"""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)

# What the object store raises when it cannot be reached or refuses a request: worth a
# retry in a task, a "try again later" on a page. Local disk raises OSError.
STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError)

# S3's answers for "no such object" (GetObject: NoSuchKey; HeadObject: 404 with no body).
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class ObjectUnavailable(Exception):
    """The object cannot be read now; `missing` tells an absent object from an unreachable store."""

    def __init__(self, name: str, *, missing: bool):
        super().__init__(name)
        self.name = name
        self.missing = missing


def open_stored(field_file: FieldFile) -> File:
    """The stored object opened for reading, or ObjectUnavailable (logged for the operators).

    Opening checks the object is there (S3: a HEAD request before the body is read), so a
    missing object becomes a clear page instead of an error half-way through a response.
    """
    name = field_file.name or ""
    if not name:
        raise ObjectUnavailable(name, missing=True)
    try:
        return field_file.storage.open(name, "rb")
    except FileNotFoundError:
        missing = True
    except ClientError as error:
        missing = str(error.response.get("Error", {}).get("Code", "")) in _MISSING_CODES
    except STORAGE_ERRORS:
        missing = False
    if missing:
        logger.error("stored object %s is missing from the object store", name)
    else:
        logger.exception("object store unavailable while opening %s", name)
    raise ObjectUnavailable(name, missing=missing)
