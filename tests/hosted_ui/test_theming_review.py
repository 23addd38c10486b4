"""Hosted-UI theming as Cognito users configure it: Cognito's own CSS template is accepted,
every class it styles exists on the pages, GetUICustomization answers an empty object when
no branding applies, clearing or deleting a client's branding removes it (and its assets),
and the template-override directory replaces a page."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings

from accounts.models import UICustomization
from config.env import VAR_DIR
from tests.hosted_ui.conftest import Browser, query
from tests.hosted_ui.test_customization import _png

# Verbatim from the SetUICustomization request example in the API reference
# (docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUICustomization.html),
# the console's "CSS template.css" users start from.
COGNITO_TEMPLATE_CSS = (
    ".logo-customizable {\n\tmax-width: 60%;\n\tmax-height: 30%;\n}\n"
    ".banner-customizable {\n\tpadding: 25px 0px 25px 0px;\n\tbackground-color: lightgray;\n}\n"
    ".label-customizable {\n\tfont-weight: 400;\n}\n"
    ".textDescription-customizable {\n\tpadding-top: 10px;\n\tpadding-bottom: 10px;\n"
    "\tdisplay: block;\n\tfont-size: 16px;\n}\n"
    ".idpDescription-customizable {\n\tpadding-top: 10px;\n\tpadding-bottom: 10px;\n"
    "\tdisplay: block;\n\tfont-size: 16px;\n}\n"
    ".legalText-customizable {\n\tcolor: #747474;\n\tfont-size: 11px;\n}\n"
    ".submitButton-customizable {\n\tfont-size: 11px;\n\tfont-weight: normal;\n"
    "\tmargin: 20px -15px 10px -13px;\n\theight: 40px;\n\twidth: 108%;\n\tcolor: #fff;\n"
    "\tbackground-color: #337ab7;\n\ttext-align: center;\n}\n"
    ".submitButton-customizable:hover {\n\tcolor: #fff;\n\tbackground-color: #286090;\n}\n"
    ".errorMessage-customizable {\n\tpadding: 5px;\n\tfont-size: 14px;\n\twidth: 100%;\n"
    "\tbackground: #F5F5F5;\n\tborder: 2px solid #D64958;\n\tcolor: #D64958;\n}\n"
    ".inputField-customizable {\n\twidth: 100%;\n\theight: 34px;\n\tcolor: #555;\n"
    "\tbackground-color: #fff;\n\tborder: 1px solid #ccc;\n\tborder-radius: 0px;\n}\n"
    ".inputField-customizable:focus {\n\tborder-color: #66afe9;\n\toutline: 0;\n}\n"
    ".idpButton-customizable {\n\theight: 40px;\n\twidth: 100%;\n\twidth: 100%;\n"
    "\ttext-align: center;\n\tmargin-bottom: 15px;\n\tcolor: #fff;\n"
    "\tbackground-color: #5bc0de;\n\tborder-color: #46b8da;\n}\n"
    ".idpButton-customizable:hover {\n\tcolor: #fff;\n\tbackground-color: #31b0d5;\n}\n"
    ".socialButton-customizable {\n\tborder-radius: 2px;\n\theight: 40px;\n"
    "\tmargin-bottom: 15px;\n\tpadding: 1px;\n\ttext-align: left;\n\twidth: 100%;\n}\n"
    ".redirect-customizable {\n\ttext-align: center;\n}\n"
    ".passwordCheck-notValid-customizable {\n\tcolor: #DF3312;\n}\n"
    ".passwordCheck-valid-customizable {\n\tcolor: #19BF00;\n}\n"
    ".background-customizable {\n\tbackground-color: #fff;\n}\n"
)


def _html(browser: Browser, path: str) -> str:
    response = browser.client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return str(response.content.decode())


def _stylesheet_path(html: str, pool_id: str) -> str | None:
    match = re.search(rf'href="(/ui/{re.escape(pool_id)}/[^"]+\.css)"', html)
    return match.group(1) if match else None


def test_cognitos_own_css_template_is_accepted_and_served(
    idp: Any, pool: dict[str, Any], app_client: dict[str, Any], browser: Browser
) -> None:
    saved = idp.set_ui_customization(
        UserPoolId=pool["Id"], ClientId="ALL", CSS=COGNITO_TEMPLATE_CSS
    )["UICustomization"]
    assert saved["CSS"] == COGNITO_TEMPLATE_CSS
    got = idp.get_ui_customization(UserPoolId=pool["Id"], ClientId=app_client["ClientId"])
    assert got["UICustomization"]["CSS"] == COGNITO_TEMPLATE_CSS
    stylesheet = _stylesheet_path(
        _html(browser, f"/login?{query(app_client['ClientId'])}"), pool["Id"]
    )
    assert stylesheet is not None
    assert browser.client.get(stylesheet).content.decode() == COGNITO_TEMPLATE_CSS


def _link_and_paragraph_tags(html: str, href_prefix: str) -> str:
    """The opening tags of the link to ``href_prefix`` and of the paragraph holding it."""
    link = re.search(rf'<a [^>]*href="{re.escape(href_prefix)}[^"]*"[^>]*>', html)
    assert link, href_prefix
    before = html[: link.start()]
    paragraph_start = before.rfind("<p ")
    holder = ""
    if paragraph_start != -1 and "</p>" not in before[paragraph_start:]:
        holder = before[paragraph_start : before.index(">", paragraph_start) + 1]
    return holder + link.group(0)


def test_links_between_pages_carry_redirect_customizable(
    pool: dict[str, Any], app_client: dict[str, Any], browser: Browser
) -> None:
    """Cognito's pages put ``redirect-customizable`` on 'Forgot your password?' and on the
    paragraphs leading to sign-up and back to sign-in, which its template centres; a pool's
    CSS styling that class must find it on those links."""
    oauth_query = query(app_client["ClientId"])
    login = _html(browser, f"/login?{oauth_query}")
    for target in ("/forgotPassword?", "/signup?"):
        assert "redirect-customizable" in _link_and_paragraph_tags(login, target), target
    for path in ("/signup", "/forgotPassword", "/confirmUser"):
        html = _html(browser, f"{path}?{oauth_query}")
        assert "redirect-customizable" in _link_and_paragraph_tags(html, "/login?"), path


def test_no_branding_is_an_empty_object_and_clearing_a_client_falls_back_to_all(
    idp: Any, pool: dict[str, Any], app_client: dict[str, Any], browser: Browser
) -> None:
    client_id = app_client["ClientId"]
    page = f"/login?{query(client_id)}"
    # Nothing applied to the pool or the client: "Returns an empty object" (API reference).
    assert idp.get_ui_customization(UserPoolId=pool["Id"])["UICustomization"] == {}
    assert (
        idp.get_ui_customization(UserPoolId=pool["Id"], ClientId=client_id)["UICustomization"] == {}
    )

    pool_css = ".banner-customizable { background-color: #123456; }"
    client_css = ".banner-customizable { background-color: #654321; }"
    idp.set_ui_customization(UserPoolId=pool["Id"], ClientId="ALL", CSS=pool_css)
    own = idp.set_ui_customization(
        UserPoolId=pool["Id"], ClientId=client_id, CSS=client_css, ImageFile=_png()
    )["UICustomization"]
    own_stylesheet = _stylesheet_path(_html(browser, page), pool["Id"])
    assert own_stylesheet == f"/ui/{pool['Id']}/{client_id}/style/{own['CSSVersion']}.css"
    own_logo = urllib.parse.urlsplit(own["ImageUrl"]).path

    # SetUICustomization with neither CSS nor ImageFile removes the client's branding
    # (what Terraform's aws_cognito_user_pool_ui_customization sends on destroy): no CSS,
    # logo or dates remain, and the client is branded by ALL again.
    cleared = idp.set_ui_customization(UserPoolId=pool["Id"], ClientId=client_id)
    cleared_shape = cleared["UICustomization"]
    for member in ("CSS", "ImageUrl", "CreationDate", "LastModifiedDate"):
        assert member not in cleared_shape, member
    fallback = idp.get_ui_customization(UserPoolId=pool["Id"], ClientId=client_id)
    assert fallback["UICustomization"]["ClientId"] == "ALL"
    assert fallback["UICustomization"]["CSS"] == pool_css
    fallback_stylesheet = _stylesheet_path(_html(browser, page), pool["Id"]) or ""
    assert fallback_stylesheet.startswith(f"/ui/{pool['Id']}/ALL/style/")
    assert browser.client.get(own_stylesheet).status_code == 404
    assert browser.client.get(own_logo).status_code == 404

    idp.set_ui_customization(UserPoolId=pool["Id"], ClientId="ALL", CSS="")
    assert idp.get_ui_customization(UserPoolId=pool["Id"])["UICustomization"] == {}
    assert _stylesheet_path(_html(browser, page), pool["Id"]) is None


def test_deleting_a_client_removes_its_branding_and_assets(
    idp: Any, pool: dict[str, Any], app_client: dict[str, Any], browser: Browser
) -> None:
    client_id = app_client["ClientId"]
    own = idp.set_ui_customization(
        UserPoolId=pool["Id"],
        ClientId=client_id,
        CSS=".label-customizable { font-weight: 700; }",
        ImageFile=_png(),
    )["UICustomization"]
    stylesheet = f"/ui/{pool['Id']}/{client_id}/style/{own['CSSVersion']}.css"
    logo_path = urllib.parse.urlsplit(own["ImageUrl"]).path
    logo = browser.client.get(logo_path)
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in logo["Cache-Control"]

    idp.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=client_id)
    assert not UICustomization.objects.filter(pool_id=pool["Id"], client_id=client_id).exists()
    assert browser.client.get(stylesheet).status_code == 404
    assert browser.client.get(logo_path).status_code == 404


def test_a_template_in_the_override_directory_replaces_the_built_in_page(
    idp: Any,
    pool: dict[str, Any],
    app_client: dict[str, Any],
    browser: Browser,
    settings: Any,
    tmp_path: Path,
) -> None:
    """docs/hosted-ui.md: var/templates/hosted_ui/<page>.html is looked up before the
    built-in template, and an overriding page keeps the frame with the pool's branding."""
    engine: dict[str, Any] = django_settings.TEMPLATES[0]
    assert engine["DIRS"][0] == VAR_DIR / "templates"
    # The same lookup pointed at a temporary directory, so no other test sees the override.
    override = tmp_path / "hosted_ui"
    override.mkdir()
    (override / "login.html").write_text(
        '{% extends "hosted_ui/base.html" %}'
        '{% block content %}<p class="textDescription-customizable">Welcome to Example Co.'
        "</p>{% endblock %}"
    )
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"][1:]]}]
    idp.set_ui_customization(
        UserPoolId=pool["Id"], ClientId="ALL", CSS=".label-customizable { font-weight: 700; }"
    )
    html = _html(browser, f"/login?{query(app_client['ClientId'])}")
    assert "Welcome to Example Co." in html
    assert _stylesheet_path(html, pool["Id"]) is not None
    assert "/forgotPassword?" not in html  # the built-in login.html was not used
