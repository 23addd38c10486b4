"""The hosted pages as a person meets them after a mistake, in English and Chinese: labels
stay what the pool signs in with, every service message on a zh-Hans page is Chinese, links
keep the chosen language, and signing out from the signed-in page works for every client."""

from __future__ import annotations

import re
from typing import Any

from tests.hosted_ui.conftest import PASSWORD, Browser, query


def _text(response: Any) -> str:
    return str(response.content.decode())


def _label(html: str, field: str) -> str:
    match = re.search(rf'<label for="id_{field}" class="label-customizable">([^<]*)</label>', html)
    assert match, f"no label for {field}"
    return match.group(1)


def test_the_username_label_stays_the_sign_in_attribute_after_an_error(
    browser: Browser, app_client: dict[str, Any]
) -> None:
    # The seed pool signs in with the email address (UsernameAttributes ["email"]).
    oauth_query = query(app_client["ClientId"])
    failed_posts = {
        "/login": {"username": "nobody@example.com", "password": PASSWORD},
        "/confirmUser": {"username": "nobody@example.com", "code": "123456"},
        "/forgotPassword": {"username": "nobody@example.com"},
        "/confirmForgotPassword": {
            "username": "nobody@example.com",
            "code": "123456",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    }
    for path, data in failed_posts.items():
        url = f"{path}?{oauth_query}"
        assert _label(_text(browser.client.get(url)), "username") == "Email", path
        failed = browser.submit(url, data)
        assert failed.status_code == 200, path
        html = _text(failed)
        assert "errorMessage-customizable" in html, path
        assert _label(html, "username") == "Email", path
        assert 'value="nobody@example.com"' in html, path  # what was typed is kept
    chinese = browser.submit(
        f"/login?{oauth_query}&lang=zh-hans",
        {"username": "nobody@example.com", "password": PASSWORD},
    )
    assert _label(_text(chinese), "username") == "电子邮件"
