"""The action registry: ``@action(service, "PascalName")`` binds a handler to a target.

Whether an action needs a SigV4 signature comes from botocore's service model (an
operation with ``authtype: none`` is public, as boto3 sends it unsigned), so the registry
cannot drift from what real clients do.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import botocore.session

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel
    from django.http import HttpRequest

    from api.models import AccessKey

IDP = "AWSCognitoIdentityProviderService"
IDENTITY = "AWSCognitoIdentityService"
BOTOCORE_NAMES = {IDP: "cognito-idp", IDENTITY: "cognito-identity"}

# Signed in botocore's model, but Cognito authenticates them by what the body carries
# (reference §1.3): no valid SigV4 identity is required.
SIGNATURE_OPTIONAL = {(IDP, "GetClientToken"), (IDP, "GetDerivedToken")}


class Auth(enum.Enum):
    PUBLIC = "public"
    SIGV4 = "sigv4"


@dataclass
class RequestContext:
    request: HttpRequest
    request_id: str
    service: str
    action: str
    region: str
    access_key: AccessKey | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        """Who an audit row names: the signing access key, or nobody for public calls."""
        return self.access_key.access_key_id if self.access_key is not None else ""


Handler = Callable[[dict[str, Any], RequestContext], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    service: str
    name: str
    handler: Handler
    auth: Auth


ACTIONS: dict[tuple[str, str], Action] = {}


@lru_cache(maxsize=4)
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(BOTOCORE_NAMES[service])


def operation_model(service: str, name: str) -> OperationModel:
    return service_model(service).operation_model(name)


def _auth_from_model(service: str, name: str) -> Auth:
    if (service, name) in SIGNATURE_OPTIONAL:
        return Auth.PUBLIC
    return Auth.PUBLIC if operation_model(service, name).auth_type == "none" else Auth.SIGV4


def action(service: str, name: str, *, auth: Auth | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``<service>.<name>``; ``name`` must be in botocore's model."""

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in ACTIONS:
            raise RuntimeError(f"{service}.{name} is registered twice")
        ACTIONS[key] = Action(service, name, handler, auth or _auth_from_model(service, name))
        return handler

    return register


def load_handlers() -> None:
    """Import every module under api/handlers so their decorators run."""
    import api.handlers

    for module in pkgutil.walk_packages(api.handlers.__path__, "api.handlers."):
        importlib.import_module(module.name)
