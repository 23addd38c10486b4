"""Hosted UI customization actions: SetUICustomization and GetUICustomization (SigV4)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from accounts.services import pools, ui_customization
from api.registry import IDP, RequestContext, action
from api.shapes.ui import ui_customization_type
from core.errors import InvalidParameterException


def _image(params: dict[str, Any]) -> bytes | None:
    # Blobs travel base64-encoded in AWS JSON 1.1.
    encoded = params.get("ImageFile")
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameterException("ImageFile is not valid base64.") from None


@action(IDP, "SetUICustomization")
def set_ui_customization(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    customization = ui_customization.set_ui_customization(
        pool=pools.get_user_pool(params["UserPoolId"]),
        client_id=params.get("ClientId") or ui_customization.ALL_CLIENTS,
        css=params.get("CSS"),
        image=_image(params),
    )
    return {"UICustomization": ui_customization_type(customization)}


@action(IDP, "GetUICustomization")
def get_ui_customization(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    customization = ui_customization.get_ui_customization(
        pool=pools.get_user_pool(params["UserPoolId"]), client_id=params.get("ClientId")
    )
    if customization is None:
        return {"UICustomization": {}}
    return {"UICustomization": ui_customization_type(customization)}
