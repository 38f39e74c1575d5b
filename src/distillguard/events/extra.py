"""Keep fields v1 does not define, as one canonical JSON object per record.

Providers log more than v1 names (routing tags, regions, prices); keeping them in ``extra``
means nothing is dropped silently and evidence reports can still show them.
"""

from __future__ import annotations

from typing import Any

import orjson

from distillguard.events.errors import EventError, type_name


def unknown_fields_json(obj: dict[str, Any], known: frozenset[str]) -> str | None:
    """Fields of ``obj`` outside ``known`` (which names ``extra``), merged over ``obj["extra"]``.

    ``extra`` may itself be an object or its JSON text (as ``EVENT_SCHEMA`` stores it), so a
    normalised record read back yields the same ``extra``. Returns sorted-key JSON text, or
    ``None`` when there is nothing to keep.
    """
    given = obj.get("extra")
    if type(given) is str:
        try:
            given = orjson.loads(given)
        except orjson.JSONDecodeError:
            given = None
        if type(given) is not dict:
            raise EventError("extra must be a JSON object (or its JSON text)", "bad_field")
    elif given is not None and type(given) is not dict:
        raise EventError(f"extra must be a JSON object, got {type_name(given)}", "bad_field")
    merged = dict(given or {})
    merged.update((key, value) for key, value in obj.items() if key not in known)
    if not merged:
        return None
    return orjson.dumps(merged, default=str, option=orjson.OPT_SORT_KEYS).decode()
