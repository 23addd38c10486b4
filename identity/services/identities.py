"""Identities: GetId, GetCredentialsForIdentity, GetOpenIdToken, UnlinkIdentity, the admin
reads and deletes, and developer-authenticated identities (reference §6).

One identity per (pool, provider, subject): the same login always comes back to the same
identity id. Logging in with a guest identity id upgrades the guest (its login is linked to
it), or, when the login already has an identity, merges the guest into that one and answers
with its id: Cognito's classic merge. Two signed-in identities are merged only when they do
not both hold a login from the same provider.

An identity merged into another, or whose last login was unlinked, is disabled: it is still
described and listed (unless HideDisabled), but every request acting as it is refused with
"Access to Identity '<id>' is forbidden."; it never becomes a guest again (UnlinkIdentity's
API reference, aws-sdk-unity#114, amplify-js#6616).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditEvent
from core.errors import (
    DeveloperUserAlreadyRegisteredException,
    InvalidParameterException,
    NotAuthorizedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from core.pagination import Page, creation_order_page, make_token, read_token
from identity import rows as fast_rows
from identity.models import Identity, IdentityLogin, IdentityPool
from identity.services import credentials, openid, roles
from identity.services.logins import COGNITO_IDENTITY_PROVIDER, VerifiedLogin, verify_logins
from identity.services.pools import (
    get_identity_pool,
    user_pool_id_for_provider,
    user_pool_provider_name,
)

LOGINS_DONT_MATCH = (
    "Logins don't match. Please include at least one valid login for this identity or "
    "identity pool."
)
GUESTS_REFUSED = "Unauthenticated access is not supported for this identity pool."
CLASSIC_FLOW_DISABLED = "Basic (classic) flow is not enabled, please use enhanced flow."


@dataclass(frozen=True)
class IssuedForIdentity:
    identity_id: str
    credentials: credentials.Credentials


@dataclass(frozen=True)
class OpenIdToken:
    identity_id: str
    token: str


def get_identity(identity_id: str) -> Identity:
    identity = fast_rows.find_identity(identity_id)
    if identity is None:
        raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
    return identity


def _forbidden(identity_id: str) -> NotAuthorizedException:
    return NotAuthorizedException(f"Access to Identity '{identity_id}' is forbidden.")


def _usable(identity: Identity) -> Identity:
    """``identity`` unless it is disabled, which no login or token opens again."""
    if identity.disabled:
        raise _forbidden(identity.id)
    return identity


def _audit(event: str, pool: IdentityPool, actor: str = "", **details: object) -> None:
    AuditEvent.objects.create(
        event=event, actor=actor, details={"identity_pool_id": pool.id, **details}
    )


def _merge_into(target: Identity, source: Identity) -> None:
    """Move ``source``'s logins and credentials to ``target`` and disable ``source``.

    An identity holds one login per provider, except that merged developer identities keep
    all their developer user identifiers (MergeDeveloperIdentities).
    """
    developer = target.pool.developer_provider_name

    def providers(identity: Identity) -> set[str]:
        return set(identity.logins.exclude(provider=developer).values_list("provider", flat=True))

    clash = providers(target) & providers(source)
    if clash:
        raise ResourceConflictException(
            f"Identities {target.id} and {source.id} both have a login from "
            f"{sorted(clash)[0]} and cannot be merged."
        )
    IdentityLogin.objects.filter(identity=source).update(identity=target)
    source.credentials.update(identity=target)
    _audit("merge_identities", target.pool, source=source.id, destination=target.id)
    Identity.objects.filter(pk=source.pk).update(disabled=True, modified=timezone.now())


def _disable_if_unlinked(identity: Identity) -> None:
    """After an unlink: an identity left without logins becomes inaccessible, not a guest.
    The identity's row is locked before the logins are counted: two unlinks removing its
    last two logins at once (PostgreSQL, READ COMMITTED) each saw the other's login still
    there and left it loginless but enabled; now the second counts after the first
    committed."""
    now = timezone.now()
    list(Identity.objects.select_for_update().filter(pk=identity.pk).values_list("pk"))
    if identity.logins.exists():
        Identity.objects.filter(pk=identity.pk).update(modified=now)
        return
    Identity.objects.filter(pk=identity.pk).update(disabled=True, modified=now)
    _audit("disable_identity", identity.pool, identity_id=identity.id)


def _link(
    pool: IdentityPool, identity: Identity | None, logins: Sequence[VerifiedLogin]
) -> Identity:
    """The identity ``logins`` belong to, linking the new ones; ``identity`` is the id the
    caller presented (GetCredentialsForIdentity, GetOpenIdToken), None for GetId.

    Two first requests for the same new login race to link it; the loser's insert hits the
    (pool, provider, subject) unique constraint. Its savepoint is rolled back and the link
    is looked up again, now finding the winner's identity.
    """
    try:
        with transaction.atomic():
            return _link_logins(pool, identity, logins)
    except IntegrityError:
        with transaction.atomic():
            return _link_logins(pool, identity, logins)


def _link_logins(
    pool: IdentityPool, identity: Identity | None, logins: Sequence[VerifiedLogin]
) -> Identity:
    external = [login for login in logins if login.identity_id is None]
    owned = [login.identity_id for login in logins if login.identity_id is not None]
    if identity is not None and any(owner != identity.id for owner in owned):
        raise NotAuthorizedException(LOGINS_DONT_MATCH)
    wanted = {(login.provider, login.subject) for login in external}
    # One query finds both the identities these logins already have and the presented
    # identity's own logins (the common case: a returning login, nothing to change).
    match = Q(pk__in=[])
    for provider, subject in wanted:
        match |= Q(provider=provider, subject=subject)
    if identity is not None:
        match |= Q(identity_id=identity.id)
    rows = list(
        IdentityLogin.objects.select_related("identity").filter(match, pool=pool).order_by()
    )
    linked = [row for row in rows if (row.provider, row.subject) in wanted]
    owners = {row.identity_id: row.identity for row in linked}
    for owner_id in owned:
        if owner_id not in owners:
            # An OpenID token issued before its identity was disabled opens nothing.
            owners[owner_id] = _usable(get_identity(owner_id))
    changed = False
    if identity is not None:
        own_logins = [row for row in rows if row.identity_id == identity.id]
        if own_logins and identity.id not in owners:
            raise NotAuthorizedException(LOGINS_DONT_MATCH)
        if not own_logins and owners:
            # Classic merge: a guest logging in with a login that has an identity.
            target = min(owners.values(), key=lambda row: (row.created, row.id))
            _merge_into(target, identity)
            changed = True
        else:
            target = identity
    elif owners:
        target = min(owners.values(), key=lambda row: (row.created, row.id))
    else:
        target = Identity.objects.create(id=Identity.new_id(pool), pool=pool)
    for other in owners.values():
        if other.id != target.id:
            _merge_into(target, other)
            changed = True
    known = {(row.provider, row.subject) for row in linked}
    unlinked = [login for login in external if (login.provider, login.subject) not in known]
    if unlinked:
        existing = dict(target.logins.values_list("provider", "subject"))
        for login in unlinked:
            if existing.get(login.provider, login.subject) != login.subject:
                # One login per provider per identity.
                raise NotAuthorizedException(LOGINS_DONT_MATCH)
            IdentityLogin.objects.create(
                identity=target, pool=pool, provider=login.provider, subject=login.subject
            )
            existing[login.provider] = login.subject
        changed = True
    if changed:
        Identity.objects.filter(pk=target.pk).update(modified=timezone.now())
    return target


@transaction.atomic
def get_id(*, pool_id: str, logins: Mapping[str, str] | None) -> Identity:
    """GetId: the identity of the logins (created on first use), or a new guest."""
    pool = get_identity_pool(pool_id)
    verified = verify_logins(pool, logins)
    if not verified:
        if not pool.allow_unauthenticated_identities:
            raise NotAuthorizedException(GUESTS_REFUSED)
        return Identity.objects.create(id=Identity.new_id(pool), pool=pool)
    return _link(pool, None, verified)


def _authorize(
    identity: Identity, logins: Mapping[str, str] | None
) -> tuple[Identity, list[VerifiedLogin]]:
    """The identity a request acts as, after its logins are checked and linked."""
    pool = _usable(identity).pool
    verified = verify_logins(pool, logins)
    if verified:
        return _link(pool, identity, verified), verified
    if identity.logins.exists():
        raise _forbidden(identity.id)
    if not pool.allow_unauthenticated_identities:
        raise NotAuthorizedException(GUESTS_REFUSED)
    return identity, []


@transaction.atomic
def get_credentials_for_identity(
    *, identity_id: str, logins: Mapping[str, str] | None, custom_role_arn: str | None
) -> IssuedForIdentity:
    """GetCredentialsForIdentity (the enhanced flow)."""
    identity, verified = _authorize(get_identity(identity_id), logins)
    role_arn = roles.resolve_role(identity.pool, verified, custom_role_arn)
    issued = credentials.issue_credentials(identity=identity, role_arn=role_arn)
    return IssuedForIdentity(identity.id, issued)


def _amr(pool: IdentityPool, identity: Identity, verified: Sequence[VerifiedLogin]) -> list[str]:
    if not verified and not identity.logins.exists():
        return ["unauthenticated"]
    amr = ["authenticated"]
    for login in verified:
        if login.provider != COGNITO_IDENTITY_PROVIDER:
            amr += [login.provider, f"{login.provider}:{pool.id}:{login.subject}"]
    return amr


@transaction.atomic
def get_open_id_token(*, identity_id: str, logins: Mapping[str, str] | None) -> OpenIdToken:
    """GetOpenIdToken (the basic flow): refused when the pool turned the basic flow off."""
    identity = get_identity(identity_id)
    if identity.pool.allow_classic_flow is False:
        raise InvalidParameterException(CLASSIC_FLOW_DISABLED)
    identity, verified = _authorize(identity, logins)
    token = openid.open_id_token(
        identity_id=identity.id,
        pool_id=identity.pool_id,
        amr=_amr(identity.pool, identity, verified),
    )
    return OpenIdToken(identity.id, token)


@transaction.atomic
def unlink_identity(
    *, identity_id: str, logins: Mapping[str, str], logins_to_remove: Sequence[str]
) -> None:
    """UnlinkIdentity: a caller proving one login of the identity removes others; removing
    the last one disables the identity."""
    identity = _usable(get_identity(identity_id))
    verified = verify_logins(identity.pool, logins)
    # Every login presented must already be this identity's: an unlink links nothing and
    # merges nothing (a guest id presented with another identity's login was merged away).
    linked = set(identity.logins.values_list("provider", "subject"))
    if not verified or any(
        login.identity_id != identity.id
        if login.identity_id is not None
        else (login.provider, login.subject) not in linked
        for login in verified
    ):
        raise NotAuthorizedException(LOGINS_DONT_MATCH)
    names = {_canonical_provider(name) for name in logins_to_remove}
    if identity.pool.developer_provider_name in names:
        raise InvalidParameterException(
            "Developer logins are unlinked with UnlinkDeveloperIdentity."
        )
    deleted, _ = IdentityLogin.objects.filter(identity=identity, provider__in=names).delete()
    if deleted:
        _audit("unlink_identity", identity.pool, identity_id=identity.id, providers=sorted(names))
        _disable_if_unlinked(identity)


def _canonical_provider(name: str) -> str:
    user_pool_id = user_pool_id_for_provider(name)
    return user_pool_provider_name(user_pool_id) if user_pool_id else name


# --- admin reads and deletes (SigV4) ----------------------------------------------------------
@dataclass(frozen=True)
class IdentityDescription:
    identity: Identity
    logins: list[str]


def describe_identity(*, identity_id: str) -> IdentityDescription:
    identity = get_identity(identity_id)
    return IdentityDescription(identity, list(identity.logins.values_list("provider", flat=True)))


def list_identities(
    *, pool: IdentityPool, limit: int, next_token: str | None, hide_disabled: bool = False
) -> Page[IdentityDescription]:
    """ListIdentities: keyset pages ordered by (creation time, id); disabled identities are
    included unless ``hide_disabled`` (the API's default)."""
    query = Identity.objects.filter(pool=pool)
    if hide_disabled:
        query = query.filter(disabled=False)
    rows = creation_order_page(
        query.prefetch_related("logins"),
        scope=f"ListIdentities:{pool.id}",
        next_token=next_token,
        size=limit,
    )
    items = [
        IdentityDescription(row, [login.provider for login in row.logins.all()])
        for row in rows.items
    ]
    return Page(items, rows.next_token)


@transaction.atomic
def delete_identities(*, identity_ids: Sequence[str], actor: str = "") -> list[str]:
    """DeleteIdentities: their logins and credentials go too; unknown ids are skipped.
    Returns the ids that could not be processed (none: a delete cannot half-fail here)."""
    for identity in Identity.objects.select_related("pool").filter(pk__in=list(identity_ids)):
        _audit("delete_identity", identity.pool, actor, identity_id=identity.id)
        identity.delete()
    return []


# --- developer-authenticated identities (SigV4) ------------------------------------------------
def _developer_provider(pool: IdentityPool, name: str | None = None) -> str:
    if not pool.developer_provider_name:
        raise InvalidParameterException("This identity pool has no developer provider name.")
    if name is not None and name != pool.developer_provider_name:
        raise InvalidParameterException(
            f"Developer provider name {name} does not match the identity pool's."
        )
    return pool.developer_provider_name


def _developer_login(pool: IdentityPool, identifier: str) -> IdentityLogin:
    row = (
        IdentityLogin.objects.select_related("identity")
        .filter(pool=pool, provider=_developer_provider(pool), subject=identifier)
        .first()
    )
    if row is None:
        raise ResourceNotFoundException(f"Developer user identifier {identifier} not found.")
    return row


@transaction.atomic
def get_open_id_token_for_developer_identity(
    *,
    pool_id: str,
    identity_id: str | None,
    logins: Mapping[str, str],
    token_duration: int | None,
) -> OpenIdToken:
    """GetOpenIdTokenForDeveloperIdentity: the backend vouches (by its SigV4 signature) for
    its own user identifier; other entries of ``logins`` are tokens, verified and linked."""
    pool = get_identity_pool(pool_id)
    developer = _developer_provider(pool)
    if developer not in logins:
        raise InvalidParameterException(
            f"Logins must contain the developer provider name {developer}."
        )
    identifier = logins[developer]
    others = {key: value for key, value in logins.items() if key != developer}
    verified = [VerifiedLogin(provider=developer, subject=identifier), *verify_logins(pool, others)]
    current = IdentityLogin.objects.filter(
        pool=pool, provider=developer, subject=identifier
    ).first()
    if identity_id is not None:
        identity = get_identity(identity_id)
        if identity.pool_id != pool.id:
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
        _usable(identity)
        if current is not None and current.identity_id != identity.id:
            raise DeveloperUserAlreadyRegisteredException(
                f"Developer user identifier {identifier} is already linked to another identity."
            )
        if current is None and identity.logins.filter(provider=developer).exists():
            raise DeveloperUserAlreadyRegisteredException(
                "The identity already has a different developer user identifier."
            )
        target = _link(pool, identity, verified)
    else:
        target = _link(pool, None, verified)
    seconds = token_duration or openid.DEVELOPER_TOKEN_SECONDS
    token = openid.open_id_token(
        identity_id=target.id, pool_id=pool.id, amr=_amr(pool, target, verified), seconds=seconds
    )
    return OpenIdToken(target.id, token)


@dataclass(frozen=True)
class DeveloperLookup:
    identity_id: str
    identifiers: list[str]
    next_token: str | None


def lookup_developer_identity(
    *,
    pool_id: str,
    identity_id: str | None,
    identifier: str | None,
    limit: int | None,
    next_token: str | None,
) -> DeveloperLookup:
    """LookupDeveloperIdentity: an identity's developer user identifiers, found by either."""
    pool = get_identity_pool(pool_id)
    if identifier is not None:
        found = _developer_login(pool, identifier).identity
        if identity_id is not None and found.id != identity_id:
            raise ResourceConflictException(
                f"Developer user identifier {identifier} belongs to another identity."
            )
        identity = found
    elif identity_id is not None:
        identity = get_identity(identity_id)
        if identity.pool_id != pool.id:
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
    else:
        raise InvalidParameterException("Either IdentityId or DeveloperUserIdentifier is required.")
    scope = f"LookupDeveloperIdentity:{identity.id}"
    after = read_token(scope, next_token)
    query = IdentityLogin.objects.filter(identity=identity, provider=_developer_provider(pool))
    if after is not None:
        query = query.filter(pk__gt=after)
    rows = list(query.order_by("pk")[: (limit or 60) + 1])
    more = len(rows) > (limit or 60)
    rows = rows[: limit or 60]
    token = make_token(scope, rows[-1].pk) if more and rows else None
    return DeveloperLookup(identity.id, [row.subject for row in rows], token)


@transaction.atomic
def merge_developer_identities(
    *, pool_id: str, provider_name: str, source: str, destination: str
) -> Identity:
    """MergeDeveloperIdentities: the source identifier's identity joins the destination's."""
    pool = get_identity_pool(pool_id)
    _developer_provider(pool, provider_name)
    source_identity = _developer_login(pool, source).identity
    target = _developer_login(pool, destination).identity
    if source_identity.id != target.id:
        _merge_into(target, source_identity)
    return target


@transaction.atomic
def unlink_developer_identity(
    *, identity_id: str, pool_id: str, provider_name: str, identifier: str
) -> None:
    """UnlinkDeveloperIdentity: the identifier no longer leads to the identity; an identity
    left without logins is disabled."""
    pool = get_identity_pool(pool_id)
    _developer_provider(pool, provider_name)
    identity = get_identity(identity_id)
    deleted, _ = IdentityLogin.objects.filter(
        identity=identity, pool=pool, provider=provider_name, subject=identifier
    ).delete()
    if not deleted:
        raise ResourceNotFoundException(
            f"Developer user identifier {identifier} is not linked to identity {identity_id}."
        )
    _audit("unlink_developer_identity", pool, identity_id=identity_id)
    _disable_if_unlinked(identity)
