"""Resource tags as user pools and identity pools keep them: a ``{key: value}`` JSON field
changed by TagResource (merge, the new value winning), UntagResource (unknown keys ignored)
and the pool's own create/update settings, with at most 50 tags a resource (AWS tagging
limits, "Tag restrictions")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from core.errors import InvalidParameterException

MAX_TAGS = 50


def checked_tags(tags: Mapping[str, str], *, resource: str) -> dict[str, str]:
    """``tags`` as a plain dict, or InvalidParameterException when there are too many;
    ``resource`` starts the message ("A user pool", "An identity pool")."""
    if len(tags) > MAX_TAGS:
        raise InvalidParameterException(f"{resource} can have at most {MAX_TAGS} tags.")
    return dict(tags)


def tags_added(
    current: Mapping[str, str], added: Mapping[str, str], *, resource: str
) -> dict[str, str]:
    """TagResource: ``current`` with ``added`` merged in, values of present keys overwritten."""
    return checked_tags({**current, **added}, resource=resource)


def tags_removed(current: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    """UntagResource: ``current`` without the named keys; unknown keys are ignored."""
    removed = set(keys)
    return {key: value for key, value in current.items() if key not in removed}
