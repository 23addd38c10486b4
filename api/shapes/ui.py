"""PascalCase output shapes for the hosted UI's customization (UICustomizationType)."""

from __future__ import annotations

from typing import Any

from accounts.services.ui_customization import Customization


def ui_customization_type(customization: Customization) -> dict[str, Any]:
    """UICustomizationType; the settings appear only once something was set."""
    shape: dict[str, Any] = {
        "UserPoolId": customization.pool_id,
        "ClientId": customization.client_id,
    }
    if customization.image_url:
        shape["ImageUrl"] = customization.image_url
    if customization.css:
        shape["CSS"] = customization.css
    if customization.css_version:
        shape["CSSVersion"] = customization.css_version
    if customization.modified is not None:
        shape["LastModifiedDate"] = customization.modified
    if customization.created is not None:
        shape["CreationDate"] = customization.created
    return shape
