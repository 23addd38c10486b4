"""PascalCase output shapes for user pool domains (DomainDescriptionType and the
Create/UpdateUserPoolDomain answers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from oauth.models import UserPoolDomain
from oauth.services import domains


def domain_description_type(domain: UserPoolDomain) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "UserPoolId": domain.pool_id,
        "AWSAccountId": settings.AWS_ACCOUNT_ID,
        "Domain": domain.domain,
        "CloudFrontDistribution": domains.domain_host(domain)
        if not domain.custom
        else domains.cloudfront_domain(),
        "Version": str(int(domain.modified.timestamp())),
        "Status": "ACTIVE",
        "ManagedLoginVersion": domain.managed_login_version,
    }
    if domain.custom:
        config = {"CertificateArn": domain.certificate_arn}
        if domain.security_policy:
            config["SecurityPolicy"] = domain.security_policy
        shape["CustomDomainConfig"] = config
    return shape


def domain_change_type(domain: UserPoolDomain) -> dict[str, Any]:
    """CreateUserPoolDomain / UpdateUserPoolDomain: a custom domain's DNS target."""
    shape: dict[str, Any] = {"ManagedLoginVersion": domain.managed_login_version}
    if domain.custom:
        shape["CloudFrontDomain"] = domains.cloudfront_domain()
    return shape
