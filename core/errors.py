"""One source of truth for errors: the class name is the wire ``__type``.

The JSON API (api/protocol.py), the hosted UI and the OAuth endpoints all render these;
nothing else writes an error body. Names and messages follow Cognito (reference §5).
"""

from __future__ import annotations

from typing import ClassVar


class CognitoError(Exception):
    """An error the JSON API can return; the class name is the wire ``__type``."""

    status: ClassVar[int] = 400
    default_message: ClassVar[str] = ""
    oauth_error: ClassVar[str] = "invalid_request"  # RFC 6749 §5.2 code under /oauth2/token
    extra_headers: ClassVar[dict[str, str]] = {}

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)

    @property
    def type_name(self) -> str:
        return type(self).__name__


# --- protocol errors (not modelled by botocore, sent by every AWS JSON service) -----------
class UnknownOperationException(CognitoError):
    default_message = "The requested operation is not recognized."


class SerializationException(CognitoError):
    default_message = "Unable to parse the request body as JSON."


class MissingAuthenticationTokenException(CognitoError):
    status = 403
    default_message = "Missing Authentication Token"


class UnrecognizedClientException(CognitoError):
    status = 403
    default_message = "The security token included in the request is invalid."


class InvalidSignatureException(CognitoError):
    status = 403
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method."
    )


class IncompleteSignatureException(CognitoError):
    status = 403
    default_message = "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'."


class RequestExpired(CognitoError):
    status = 403
    default_message = "Signature expired: the request time is too far from the server time."


class RequestEntityTooLargeException(CognitoError):
    status = 413
    default_message = "Request body is too large."


PROTOCOL_ERRORS: tuple[type[CognitoError], ...] = (
    UnknownOperationException,
    SerializationException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
    InvalidSignatureException,
    IncompleteSignatureException,
    RequestExpired,
    RequestEntityTooLargeException,
)


# --- modelled errors (names from botocore's cognito-idp / cognito-identity models) --------
class InternalErrorException(CognitoError):
    status = 500
    default_message = "Internal server error."
    oauth_error = "server_error"


class InvalidParameterException(CognitoError):
    pass


class ResourceNotFoundException(CognitoError):
    pass


class NotAuthorizedException(CognitoError):
    default_message = "Incorrect username or password."
    oauth_error = "invalid_grant"


class UserNotFoundException(CognitoError):
    default_message = "User does not exist."
    oauth_error = "invalid_grant"


class UsernameExistsException(CognitoError):
    default_message = "User account already exists"


class AliasExistsException(CognitoError):
    default_message = "An account with the given email already exists."


class GroupExistsException(CognitoError):
    default_message = "A group with the name already exists."


class UserNotConfirmedException(CognitoError):
    default_message = "User is not confirmed."
    oauth_error = "invalid_grant"


class PasswordResetRequiredException(CognitoError):
    default_message = "Password reset required for the user"


class InvalidPasswordException(CognitoError):
    pass


class CodeMismatchException(CognitoError):
    default_message = "Invalid verification code provided, please try again."


class ExpiredCodeException(CognitoError):
    default_message = "Invalid code provided, please request a code again."


class LimitExceededException(CognitoError):
    default_message = "Attempt limit exceeded, please try after some time."


class TooManyRequestsException(CognitoError):
    default_message = "Too many requests."


class TooManyFailedAttemptsException(CognitoError):
    default_message = "Too many failed attempts."


class CodeDeliveryFailureException(CognitoError):
    default_message = "Unable to deliver the verification code."


class InvalidUserPoolConfigurationException(CognitoError):
    pass


class InvalidOAuthFlowException(CognitoError):
    pass


class ScopeDoesNotExistException(CognitoError):
    pass


class UserPoolTaggingException(CognitoError):
    pass


class UnsupportedUserStateException(CognitoError):
    pass


class UnsupportedOperationException(CognitoError):
    pass


class UnsupportedTokenTypeException(CognitoError):
    oauth_error = "unsupported_token_type"


class UnsupportedIdentityProviderException(CognitoError):
    pass


class DuplicateProviderException(CognitoError):
    pass


class ConcurrentModificationException(CognitoError):
    pass


class PreconditionNotMetException(CognitoError):
    pass


class EnableSoftwareTokenMFAException(CognitoError):
    pass


class SoftwareTokenMFANotFoundException(CognitoError):
    pass


class MFAMethodNotFoundException(CognitoError):
    pass


class UserImportInProgressException(CognitoError):
    pass


class InvalidIdentityPoolConfigurationException(CognitoError):
    default_message = "Invalid identity pool configuration. Check assigned IAM roles for this pool."


class ResourceConflictException(CognitoError):
    pass


class DeveloperUserAlreadyRegisteredException(CognitoError):
    pass


class ExternalServiceException(CognitoError):
    pass


class UnauthorizedException(CognitoError):
    """RevokeToken's answer to a client it cannot authenticate (botocore model)."""

    default_message = "Client authentication failed."
    oauth_error = "invalid_client"


class RefreshTokenReuseException(CognitoError):
    """A refresh token rotated out longer ago than the client's grace period."""

    default_message = "Refresh token has been rotated and is no longer valid."
    oauth_error = "invalid_grant"


def all_error_classes() -> list[type[CognitoError]]:
    """Every concrete error class, for the guard test against botocore's model."""
    found: list[type[CognitoError]] = []
    pending = list(CognitoError.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
