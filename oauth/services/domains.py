"""User pool domains: CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain,
DeleteUserPoolDomain, and the pool a request's ``Host`` names.

A pool has at most one prefix domain (Cognito serves ``<prefix>`` as
``<prefix>.auth.<region>.amazoncognito.com``) and one custom domain (a host name with a
certificate, ``CustomDomainConfig``). This server answers for both host names when DNS
points them at it: ``oauth.middleware.PoolDomainMiddleware`` sets ``request.tessera_pool``
and the hosted UI and OAuth endpoints then serve that pool only. Token issuers do not
change with the domain, as in Cognito, whose ``iss`` stays ``cognito-idp…/<poolId>``
whatever domain signed the user in: here it stays ``$PUBLIC_URL/<poolId>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEvent, UserPool
from core.cache import STORE_ERRORS, breaker_for
from core.errors import InvalidParameterException
from oauth.models import UserPoolDomain

# "You can't use the text aws, amazon, or cognito in the domain prefix" (awsdocs,
# cognito-user-pools-assign-domain-prefix.md).
RESERVED_WORDS = ("aws", "amazon", "cognito")
PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
CUSTOM_DOMAIN = re.compile(r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
DEFAULT_MANAGED_LOGIN_VERSION = 1
HOST_CACHE_SECONDS = 60
_HOST_KEY = "pool-domain-host:{}"
NO_SUCH_DOMAIN = "No such domain or user pool exists."


def prefix_host(prefix: str) -> str:
    return f"{prefix}.auth.{settings.AWS_REGION}.amazoncognito.com"


def domain_host(domain: UserPoolDomain) -> str:
    """The host name browsers use for ``domain``."""
    return domain.domain if domain.custom else prefix_host(domain.domain)


def origin(domain: UserPoolDomain) -> str:
    """Cognito serves every domain over https only."""
    return f"https://{domain_host(domain)}"


def cloudfront_domain() -> str:
    """Where a custom domain's DNS record must point: this server (Cognito answers with
    its CloudFront distribution)."""
    return urlsplit(settings.PUBLIC_URL).hostname or ""


def _forget_host(host: str) -> None:
    # robust: with the cache down this logs instead of a 500 after the change committed.
    transaction.on_commit(lambda: cache.delete(_HOST_KEY.format(host)), robust=True)


def _check_domain(domain: str, custom: bool) -> None:
    if custom:
        if CUSTOM_DOMAIN.fullmatch(domain) is None:
            raise InvalidParameterException(f"Domain {domain} is not a valid domain name.")
        return
    if PREFIX.fullmatch(domain) is None:
        raise InvalidParameterException(
            "Domain prefix must contain only lowercase letters, numbers and hyphens."
        )
    for word in RESERVED_WORDS:
        if word in domain:
            raise InvalidParameterException(f"Domain cannot contain reserved word: {word}")


def _custom_config(config: Mapping[str, Any] | None) -> tuple[str, str]:
    if not config:
        return "", ""
    return str(config.get("CertificateArn") or ""), str(config.get("SecurityPolicy") or "")


DOMAIN_TAKEN = "Domain already associated with another user pool."
# ManagedLoginVersion: 1 is the classic hosted UI, 2 managed login (reference §4).
MANAGED_LOGIN_VERSIONS = (1, 2)


def _check_managed_login_version(version: int | None) -> None:
    if version is not None and version not in MANAGED_LOGIN_VERSIONS:
        raise InvalidParameterException(
            f"ManagedLoginVersion must be one of {', '.join(map(str, MANAGED_LOGIN_VERSIONS))}."
        )


@transaction.atomic
def create_user_pool_domain(
    *,
    pool: UserPool,
    domain: str,
    custom_domain_config: Mapping[str, Any] | None = None,
    managed_login_version: int | None = None,
    actor: str = "",
) -> UserPoolDomain:
    """A domain with dots is a custom domain and needs CustomDomainConfig (its
    certificate); one without dots is a prefix."""
    _check_managed_login_version(managed_login_version)
    custom = "." in domain
    if custom and not custom_domain_config:
        raise InvalidParameterException("CustomDomainConfig is required for a custom domain.")
    if not custom and custom_domain_config:
        raise InvalidParameterException("A domain prefix cannot have a CustomDomainConfig.")
    _check_domain(domain, custom)
    UserPool.objects.select_for_update().filter(pk=pool.pk).first()
    if UserPoolDomain.objects.filter(domain=domain).exists():
        raise InvalidParameterException(DOMAIN_TAKEN)
    if UserPoolDomain.objects.filter(pool=pool, custom=custom).exists():
        kind = "custom domain" if custom else "domain"
        raise InvalidParameterException(f"User pool already has a {kind}.")
    certificate_arn, security_policy = _custom_config(custom_domain_config)
    try:
        with transaction.atomic():
            created = UserPoolDomain.objects.create(
                domain=domain,
                pool=pool,
                custom=custom,
                certificate_arn=certificate_arn,
                security_policy=security_policy,
                managed_login_version=managed_login_version or DEFAULT_MANAGED_LOGIN_VERSION,
            )
    except IntegrityError:
        # The lock above is the pool's: another pool's request creating the same domain
        # at once passed the check too, and its insert won the unique index.
        raise InvalidParameterException(DOMAIN_TAKEN) from None
    _forget_host(domain_host(created))
    AuditEvent.objects.create(
        pool=pool, event="CreateUserPoolDomain", actor=actor, details={"domain": domain}
    )
    return created


def describe_user_pool_domain(*, domain: str) -> UserPoolDomain | None:
    """None for an unknown domain: DescribeUserPoolDomain then answers an empty
    DomainDescription, as Cognito does (it doubles as an availability check)."""
    return UserPoolDomain.objects.select_related("pool").filter(domain=domain).first()


def _pool_domain(pool: UserPool, domain: str) -> UserPoolDomain:
    found = UserPoolDomain.objects.select_for_update().filter(pool=pool, domain=domain).first()
    if found is None:
        raise InvalidParameterException(NO_SUCH_DOMAIN)
    found.pool = pool
    return found


@transaction.atomic
def update_user_pool_domain(
    *,
    pool: UserPool,
    domain: str,
    custom_domain_config: Mapping[str, Any] | None = None,
    managed_login_version: int | None = None,
    actor: str = "",
) -> UserPoolDomain:
    """UpdateUserPoolDomain: the managed-login version and, for a custom domain, its
    certificate."""
    _check_managed_login_version(managed_login_version)
    found = _pool_domain(pool, domain)
    if custom_domain_config:
        if not found.custom:
            raise InvalidParameterException("A domain prefix cannot have a CustomDomainConfig.")
        found.certificate_arn, found.security_policy = _custom_config(custom_domain_config)
    if managed_login_version is not None:
        found.managed_login_version = managed_login_version
    found.modified = timezone.now()
    found.save()
    AuditEvent.objects.create(
        pool=pool, event="UpdateUserPoolDomain", actor=actor, details={"domain": domain}
    )
    return found


@transaction.atomic
def delete_user_pool_domain(*, pool: UserPool, domain: str, actor: str = "") -> None:
    found = _pool_domain(pool, domain)
    _forget_host(domain_host(found))
    found.delete()
    AuditEvent.objects.create(
        pool=pool, event="DeleteUserPoolDomain", actor=actor, details={"domain": domain}
    )


def pool_domains(pool: UserPool) -> dict[str, str]:
    """DescribeUserPool's ``Domain`` (the prefix) and ``CustomDomain``."""
    result: dict[str, str] = {}
    for found in UserPoolDomain.objects.filter(pool=pool):
        result["CustomDomain" if found.custom else "Domain"] = found.domain
    return result


def _find_host(host: str) -> UserPoolDomain | None:
    suffix = f".auth.{settings.AWS_REGION}.amazoncognito.com"
    if host.endswith(suffix):
        return UserPoolDomain.objects.filter(domain=host[: -len(suffix)], custom=False).first()
    return UserPoolDomain.objects.filter(domain=host, custom=True).first()


def domain_for_host(host: str) -> UserPoolDomain | None:
    """The pool domain ``host`` (without port) is, cached briefly. The returned row carries
    ``pool_id``, ``domain`` and ``custom`` only."""
    host = host.lower().rstrip(".")
    if not host:
        return None
    key = _HOST_KEY.format(host)
    # The cache is an optimisation here: with Redis down (or hanging: the breaker skips it
    # for a while after a failure) every host resolves from the database instead.
    breaker = breaker_for(cache)
    use_cache = breaker.allow()
    cached = None
    if use_cache:
        try:
            cached = cache.get(key)
        except STORE_ERRORS as exc:
            breaker.failed(exc, purpose="pool domains")
            use_cache = False
    if cached is None:
        found = _find_host(host)
        cached = [found.pool_id, found.domain, found.custom] if found is not None else []
        if use_cache:
            try:
                cache.set(key, cached, timeout=HOST_CACHE_SECONDS)
            except STORE_ERRORS as exc:
                breaker.failed(exc, purpose="pool domains")
    if not cached:
        return None
    pool_id, domain, custom = cached
    return UserPoolDomain(pool_id=pool_id, domain=domain, custom=custom)
