"""SetUICustomization / GetUICustomization through boto3, and what the pages load: CSS
limited to Cognito's classes and properties, PNG/JPEG logos up to 100 KB, per-client
settings that do not fall back to ALL."""

from __future__ import annotations

import struct
import urllib.parse
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.hosted_ui.conftest import Browser, query

POOL_CSS = (
    ".banner-customizable { padding: 25px 0px 25px 0px; background-color: #123456; }\n"
    ".submitButton-customizable:hover { color: white; background-color: rgb(10, 20, 30); }\n"
    ".label-customizable { font-weight: 700; }"
)


def _png(width: int = 2, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _invalid(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    return str(caught.value.response["Error"]["Message"])


def test_pool_wide_customization_is_returned_and_styles_the_pages(
    idp: Any, pool: dict[str, Any], app_client: dict[str, Any], browser: Browser
) -> None:
    logo = _png()
    saved = idp.set_ui_customization(
        UserPoolId=pool["Id"], ClientId="ALL", CSS=POOL_CSS, ImageFile=logo
    )["UICustomization"]
    assert saved["ClientId"] == "ALL"
    assert saved["CSS"] == POOL_CSS
    assert saved["CSSVersion"]
    image_url = urllib.parse.urlsplit(saved["ImageUrl"])

    got = idp.get_ui_customization(UserPoolId=pool["Id"])["UICustomization"]
    assert got["CSS"] == POOL_CSS
    assert got["CSSVersion"] == saved["CSSVersion"]
    # A client without its own setting gets the pool's.
    for_client = idp.get_ui_customization(UserPoolId=pool["Id"], ClientId=app_client["ClientId"])
    assert for_client["UICustomization"]["CSS"] == POOL_CSS

    served_logo = browser.client.get(image_url.path)
    assert served_logo.status_code == 200
    assert served_logo["Content-Type"] == "image/png"
    assert served_logo.content == logo

    page = browser.client.get(f"/login?{query(app_client['ClientId'])}").content.decode()
    assert f'src="{image_url.path}"' in page
    css_path = f"/ui/{pool['Id']}/ALL/style/{saved['CSSVersion']}.css"
    assert f'href="{css_path}"' in page
    stylesheet = browser.client.get(css_path)
    assert stylesheet["Content-Type"].startswith("text/css")
    assert stylesheet.content.decode() == POOL_CSS


def test_a_client_setting_replaces_all_without_falling_back(
    idp: Any, pool: dict[str, Any], app_client: dict[str, Any], browser: Browser
) -> None:
    idp.set_ui_customization(UserPoolId=pool["Id"], ClientId="ALL", CSS=POOL_CSS, ImageFile=_png())
    own_css = ".background-customizable { background-color: #fafafa; }"
    own = idp.set_ui_customization(
        UserPoolId=pool["Id"], ClientId=app_client["ClientId"], CSS=own_css
    )["UICustomization"]
    assert own["ClientId"] == app_client["ClientId"]
    assert "ImageUrl" not in own  # the pool's logo does not leak into the client's setting
    got = idp.get_ui_customization(UserPoolId=pool["Id"], ClientId=app_client["ClientId"])
    assert got["UICustomization"]["CSS"] == own_css
    assert "ImageUrl" not in got["UICustomization"]
    page = browser.client.get(f"/login?{query(app_client['ClientId'])}").content.decode()
    assert f"/ui/{pool['Id']}/{app_client['ClientId']}/style/" in page
    assert "logo-customizable" not in page

    with pytest.raises(ClientError) as caught:
        idp.set_ui_customization(UserPoolId=pool["Id"], ClientId="nosuchclient", CSS=own_css)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_css_outside_the_whitelist_is_refused(idp: Any, pool: dict[str, Any]) -> None:
    call = idp.set_ui_customization
    refused = {
        '@import url("https://evil.example/x.css");': "at-rules",
        "@media screen { .banner-customizable { padding: 1px; } }": "at-rules",
        "@supports (display: grid) { }": "at-rules",
        "body { background-color: red; }": "not customizable",
        ".banner-customizable script { padding: 1px; }": "not customizable",
        ".label-customizable { color: red; }": "'color' is not customizable",
        ".background-customizable { background-color: url(javascript:alert(1)); }": "not allowed",
        ".errorMessage-customizable { background: url(https://evil.example/p.png); }": (
            "not allowed"
        ),
        ".inputField-customizable { color: expression(alert(1)); }": "not allowed",
        ".label-customizable { font-weight: 400; } </style><script>alert(1)</script>": "",
    }
    for css, fragment in refused.items():
        message = _invalid(call, UserPoolId=pool["Id"], ClientId="ALL", CSS=css)
        assert fragment in message, (css, message)
    assert "CSS" not in idp.get_ui_customization(UserPoolId=pool["Id"])["UICustomization"]


def test_logo_must_be_png_or_jpeg_of_at_most_100_kb(idp: Any, pool: dict[str, Any]) -> None:
    call = idp.set_ui_customization
    gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for image in (gif, svg):
        message = _invalid(call, UserPoolId=pool["Id"], ClientId="ALL", ImageFile=image)
        assert "PNG or JPEG" in message
    too_big = _png() + b"\x00" * (100 * 1024)
    assert "100 KB" in _invalid(call, UserPoolId=pool["Id"], ClientId="ALL", ImageFile=too_big)
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
    saved = call(UserPoolId=pool["Id"], ClientId="ALL", ImageFile=jpeg)["UICustomization"]
    assert saved["ImageUrl"].startswith("http")


def test_an_old_versioned_asset_url_no_longer_answers(
    idp: Any, pool: dict[str, Any], browser: Browser
) -> None:
    """Asset URLs are cached for a year, so only the current version may answer: an old URL
    must not serve today's CSS or logo under yesterday's name."""
    first = idp.set_ui_customization(
        UserPoolId=pool["Id"], ClientId="ALL", CSS=POOL_CSS, ImageFile=_png()
    )["UICustomization"]
    second = idp.set_ui_customization(
        UserPoolId=pool["Id"],
        ClientId="ALL",
        CSS=".label-customizable { font-weight: 400; }",
        ImageFile=_png(3, 1),
    )["UICustomization"]
    assert first["CSSVersion"] != second["CSSVersion"]
    old_css = f"/ui/{pool['Id']}/ALL/style/{first['CSSVersion']}.css"
    new_css = f"/ui/{pool['Id']}/ALL/style/{second['CSSVersion']}.css"
    assert browser.client.get(old_css).status_code == 404
    assert browser.client.get(new_css).status_code == 200
    assert browser.client.get(urllib.parse.urlsplit(first["ImageUrl"]).path).status_code == 404
    assert browser.client.get(urllib.parse.urlsplit(second["ImageUrl"]).path).status_code == 200
