"""Where federated identity providers send the browser back: ``/oauth2/idpresponse`` (social
and OIDC, a GET with ``code`` and ``state``) and ``/saml2/idpresponse`` (a SAML POST binding).

Tessera does not federate user pools yet (README, "Not implemented yet"), so no sign-in can
be waiting here. Both paths answer that plainly, in the OAuth error shape the ``/oauth2``
endpoints use, instead of a bare 404 page, or a CSRF 403 for the IdP's cross-site POST. The
query carries the IdP's code: the answer is never cached and the access log names the
path only (Makefile).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

NO_PROVIDER = (
    "No federated identity provider is configured: this server does not sign users in "
    "through social, OIDC or SAML providers."
)


@csrf_exempt  # the IdP's form POST comes from another site and carries no CSRF token
@require_http_methods(["GET", "POST"])
def idp_response(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        {"error": "invalid_request", "error_description": NO_PROVIDER}, status=400
    )
    response["Cache-Control"] = "no-store"
    return response
