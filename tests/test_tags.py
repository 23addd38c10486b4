"""core.tags: the tag rules user pools and identity pools share (merge, removal, the limit)."""

from __future__ import annotations

import pytest

from core.errors import InvalidParameterException
from core.tags import MAX_TAGS, checked_tags, tags_added, tags_removed


def test_tags_merge_remove_and_stop_at_the_limit() -> None:
    current = {"team": "identity", "env": "dev"}
    assert tags_added(current, {"env": "prod"}, resource="A user pool") == {
        "team": "identity",
        "env": "prod",
    }
    assert current == {"team": "identity", "env": "dev"}  # the stored value is not mutated
    assert tags_removed(current, ["team", "absent"]) == {"env": "dev"}

    full = {f"k{n}": "v" for n in range(MAX_TAGS)}
    assert checked_tags(full, resource="A user pool") == full
    assert tags_added(full, {"k0": "changed"}, resource="A user pool")["k0"] == "changed"
    for resource in ("A user pool", "An identity pool"):
        with pytest.raises(InvalidParameterException) as excinfo:
            tags_added(full, {"one-more": "v"}, resource=resource)
        assert excinfo.value.message == f"{resource} can have at most 50 tags."
