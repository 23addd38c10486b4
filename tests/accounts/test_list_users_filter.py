"""ListUsers' Filter grammar and keyset pagination (accounts.selectors)."""

from __future__ import annotations

import uuid

import pytest

from accounts.models import PoolUser, UserPool, UserStatus
from accounts.selectors import UserFilter, list_users, parse_user_filter
from core.errors import InvalidParameterException

pytestmark = pytest.mark.django_db


def _user(pool: UserPool, username: str, **attributes: str) -> PoolUser:
    user = PoolUser(pool=pool, username=username, username_key=pool.normalize_username(username))
    user.set_attributes(attributes)
    user.save()
    return user


def _usernames(pool: UserPool, expression: str) -> set[str]:
    return {user.username for user in list_users(pool, filter_expression=expression).items}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('email = "a@example.com"', UserFilter("email", False, "a@example.com")),
        ('email="a@example.com"', UserFilter("email", False, "a@example.com")),
        ('  family_name ^= "Re"  ', UserFilter("family_name", True, "Re")),
        (r'name = "say \"hi\""', UserFilter("name", False, 'say "hi"')),
        (r'name = "back\\slash"', UserFilter("name", False, "back\\slash")),
        (
            'cognito:user_status = "confirmed"',
            UserFilter("cognito:user_status", False, "confirmed"),
        ),
        ('status = "Disabled"', UserFilter("status", False, "Disabled")),
        ('given_name = ""', UserFilter("given_name", False, "")),
    ],
)
def test_filter_grammar(expression: str, expected: UserFilter) -> None:
    assert parse_user_filter(expression) == expected


@pytest.mark.parametrize("expression", [None, "", "   "])
def test_empty_filter_means_everyone(expression: str | None) -> None:
    assert parse_user_filter(expression) is None


@pytest.mark.parametrize(
    "expression",
    ["username = foo", "username=", 'email == "x"', 'email = "x" junk', 'email = "unclosed'],
)
def test_malformed_filters_are_refused(expression: str) -> None:
    with pytest.raises(InvalidParameterException) as error:
        parse_user_filter(expression)
    assert error.value.message == "Error while parsing filter"


@pytest.mark.parametrize("attribute", ["custom:tenant", "locale", "email_verified"])
def test_only_searchable_attributes_are_accepted(attribute: str) -> None:
    with pytest.raises(InvalidParameterException) as error:
        parse_user_filter(f'{attribute} = "x"')
    assert error.value.message == f"Invalid search attribute: {attribute}"


def test_filters_select_the_right_users() -> None:
    pool = UserPool.objects.create(name="filters")
    other_pool = UserPool.objects.create(name="elsewhere")
    ana = _user(pool, "ana", email="ana@example.com", family_name="Reddy", name='Ana "A" \\ B')
    bob = _user(pool, "Bob", email="bob@example.org", phone_number="+15550001111")
    cy = _user(pool, "cy", email="cy@example.com", family_name="Rees", given_name="Cy")
    _user(other_pool, "ana", email="ana@example.com")
    bob.enabled = False
    bob.status = UserStatus.CONFIRMED
    bob.save()

    assert _usernames(pool, 'email = "ana@example.com"') == {"ana"}
    assert _usernames(pool, 'email ^= "ana@"') == {"ana"}
    assert _usernames(pool, 'family_name ^= "Re"') == {"ana", "cy"}
    assert _usernames(pool, 'family_name = "Re"') == set()
    assert _usernames(pool, r'name = "Ana \"A\" \\ B"') == {"ana"}
    assert _usernames(pool, 'phone_number ^= "+1555"') == {"Bob"}
    assert _usernames(pool, 'given_name = "Cy"') == {"cy"}
    # Exactly "" matches nobody; a "" prefix matches whoever has the attribute.
    assert _usernames(pool, 'family_name = ""') == set()
    assert _usernames(pool, 'family_name ^= ""') == {"ana", "cy"}
    # username is case-sensitive in a case-sensitive pool.
    assert _usernames(pool, 'username = "Bob"') == {"Bob"}
    assert _usernames(pool, 'username = "bob"') == set()
    assert _usernames(pool, 'username ^= "c"') == {"cy"}
    # cognito:user_status is case-insensitive; status is Enabled / Disabled.
    assert _usernames(pool, 'cognito:user_status = "confirmed"') == {"Bob"}
    assert _usernames(pool, 'cognito:user_status = "UNCONFIRMED"') == {"ana", "cy"}
    assert _usernames(pool, 'status = "Disabled"') == {"Bob"}
    assert _usernames(pool, 'status = "Enabled"') == {"ana", "cy"}
    assert _usernames(pool, 'status = "Sleeping"') == set()
    assert _usernames(pool, f'sub = "{cy.sub}"') == {"cy"}
    assert _usernames(pool, f'sub ^= "{str(ana.sub)[:13]}"') == {"ana"}
    assert _usernames(pool, 'sub = "not-a-uuid"') == set()
    assert _usernames(pool, f'sub = "{uuid.uuid4()}"') == set()
    assert _usernames(pool, "") == {"ana", "Bob", "cy"}


def test_username_filter_follows_a_case_insensitive_pool() -> None:
    pool = UserPool.objects.create(name="folded", username_case_sensitive=False)
    _user(pool, "Dana")
    assert _usernames(pool, 'username = "DANA"') == {"Dana"}
    assert _usernames(pool, 'username ^= "da"') == {"Dana"}


def test_pages_never_repeat_or_skip_users_while_the_pool_changes() -> None:
    pool = UserPool.objects.create(name="pages")
    PoolUser.objects.bulk_create(
        PoolUser(pool=pool, username=f"user{index:03d}", username_key=f"user{index:03d}")
        for index in range(130)
    )
    first = list_users(pool, limit=60)
    assert len(first.items) == 60
    assert first.next_token
    # Users deleted behind the cursor and added ahead of it do not disturb the next pages.
    first.items[0].delete()
    PoolUser.objects.create(pool=pool, username="late", username_key="late")
    second = list_users(pool, limit=60, pagination_token=first.next_token)
    third = list_users(pool, limit=60, pagination_token=second.next_token)
    assert (len(second.items), len(third.items)) == (60, 11)
    assert third.next_token is None
    seen = [user.username for page in (first, second, third) for user in page.items]
    assert len(seen) == len(set(seen)) == 131
    assert set(seen) == {f"user{index:03d}" for index in range(130)} | {"late"}
    # The same token reads the same page again.
    again = list_users(pool, limit=60, pagination_token=first.next_token)
    assert [user.pk for user in again.items] == [user.pk for user in second.items]


def test_default_page_is_sixty_users() -> None:
    pool = UserPool.objects.create(name="default")
    PoolUser.objects.bulk_create(
        PoolUser(pool=pool, username=f"u{index}", username_key=f"u{index}") for index in range(61)
    )
    assert len(list_users(pool).items) == 60
    assert len(list_users(pool, limit=0).items) == 60
    page = list_users(pool, limit=61)
    assert (len(page.items), page.next_token) == (61, None)


def test_tokens_only_work_for_their_pool_and_filter() -> None:
    pool = UserPool.objects.create(name="one")
    other = UserPool.objects.create(name="two")
    PoolUser.objects.bulk_create(
        PoolUser(pool=pool, username=f"u{index}", username_key=f"u{index}") for index in range(3)
    )
    token = list_users(pool, limit=1).next_token
    assert token
    for attempt in (
        lambda: list_users(other, limit=1, pagination_token=token),
        lambda: list_users(pool, limit=1, pagination_token=token, filter_expression='name ^= ""'),
        lambda: list_users(pool, limit=1, pagination_token=token[:-2] + "xx"),
    ):
        with pytest.raises(InvalidParameterException) as error:
            attempt()
        assert error.value.message == "Invalid pagination token."
