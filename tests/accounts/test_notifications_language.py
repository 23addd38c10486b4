"""Which language a code mail's default text is in: the user's ``locale`` attribute, else the
hosted page's language (notifications.page_language), else English."""

from __future__ import annotations

from django.utils import translation

from accounts.models import PoolUser
from accounts.services import notifications


def _user(**attributes: str) -> PoolUser:
    return PoolUser(attributes=attributes)


def test_the_locale_attribute_wins_over_the_page_language() -> None:
    with notifications.page_language("zh-hans"):
        assert notifications.user_language(_user()) == "zh-hans"
        assert notifications.user_language(_user(locale="en-US")) == "en"
        assert notifications.user_language(_user(locale="fr")) == "en"
    with notifications.page_language("en"):
        assert notifications.user_language(_user(locale="zh_Hans")) == "zh-hans"
    with notifications.page_language("zh-CN"):  # any Chinese tag
        assert notifications.user_language(_user()) == "zh-hans"


def test_without_a_page_language_mail_is_english_whatever_django_has_active() -> None:
    # The JSON API sets no page language; a Django language left active on the thread by
    # an earlier hosted page must not change its mail.
    with translation.override("zh-hans"):
        assert notifications.user_language(_user()) == "en"
    with notifications.page_language("zh-hans"):
        pass
    assert notifications.user_language(_user()) == "en"
