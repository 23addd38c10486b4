"""User-pool management over the wire: create/describe/update/delete/list, custom
attributes, the pool MFA configuration and tags, with Cognito's defaults and errors."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from accounts.services.pools import STANDARD_ATTRIBUTES


@pytest.fixture
def idp_raw(endpoint: str, access_key: tuple[str, str]) -> Any:
    """A signed client that skips botocore's own checks, so the server's are exercised."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key[0],
        aws_secret_access_key=access_key[1],
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _schema(pool: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["Name"]: item for item in pool["SchemaAttributes"]}


def test_seed_shaped_pool_is_described_with_cognito_defaults(
    idp: Any, pool: dict[str, Any]
) -> None:
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]

    assert described["Id"].startswith("us-east-1_")
    assert len(described["Id"]) == 19
    assert described["Arn"] == f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool['Id']}"
    assert described["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 7,
    }
    assert described["AutoVerifiedAttributes"] == ["email"]
    assert described["UsernameAttributes"] == ["email"]
    assert "AliasAttributes" not in described
    assert described["MfaConfiguration"] == "OPTIONAL"
    assert described["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]
    }
    assert described["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert "{####}" in described["VerificationMessageTemplate"]["EmailMessage"]
    assert "{####}" in described["EmailVerificationMessage"]
    assert described["AdminCreateUserConfig"] == {
        "AllowAdminCreateUserOnly": False,
        "UnusedAccountValidityDays": 7,
    }
    assert described["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert described["DeletionProtection"] == "INACTIVE"
    assert described["EstimatedNumberOfUsers"] == 0
    assert described["UserPoolTier"] == "ESSENTIALS"
    assert described["CreationDate"] <= described["LastModifiedDate"]
    # The standard attributes, in Cognito's order and with its definitions.
    names = [item["Name"] for item in described["SchemaAttributes"]]
    assert names == [item["Name"] for item in STANDARD_ATTRIBUTES]
    assert names[:3] == ["sub", "name", "given_name"]
    assert names[-1] == "updated_at"
    schema = _schema(described)
    assert schema["sub"]["Mutable"] is False
    assert schema["sub"]["Required"] is True
    assert schema["sub"]["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "2048"}
    assert schema["birthdate"]["StringAttributeConstraints"] == {
        "MinLength": "10",
        "MaxLength": "10",
    }
    assert schema["email_verified"]["AttributeDataType"] == "Boolean"
    assert "StringAttributeConstraints" not in schema["email_verified"]
    assert schema["updated_at"]["NumberAttributeConstraints"] == {"MinValue": "0"}


def test_create_with_every_member(idp: Any) -> None:
    created = idp.create_user_pool(
        PoolName="full",
        Policies={
            "PasswordPolicy": {"MinimumLength": 6, "TemporaryPasswordValidityDays": 0},
        },
        AliasAttributes=["email", "preferred_username"],
        AutoVerifiedAttributes=["email"],
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {
                "Name": "tenant",
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            },
            {
                "Name": "level",
                "AttributeDataType": "Number",
                "NumberAttributeConstraints": {"MinValue": "-5", "MaxValue": "10"},
            },
            {"Name": "joined", "AttributeDataType": "DateTime"},
            {"Name": "beta", "AttributeDataType": "Boolean"},
            {"Name": "secret", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
        ],
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": True,
            "InviteMessageTemplate": {
                "EmailSubject": "Welcome",
                "EmailMessage": "Hi {username}, your password is {####}",
            },
        },
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_LINK",
            "EmailMessageByLink": "Click {##here##} to verify",
        },
        EmailVerificationSubject="Verify your account",
        DeletionProtection="ACTIVE",
        UsernameConfiguration={"CaseSensitive": False},
        UserPoolTags={"team": "identity"},
        EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT"},
        SmsConfiguration={"SnsCallerArn": "arn:aws:iam::123456789012:role/sns", "ExternalId": "x"},
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True},
        LambdaConfig={"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre"},
        UserPoolAddOns={"AdvancedSecurityMode": "OFF"},
        UserPoolTier="PLUS",
        MfaConfiguration="ON",
    )["UserPool"]
    described = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert described == created

    assert described["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 6,
        "RequireUppercase": False,
        "RequireLowercase": False,
        "RequireNumbers": False,
        "RequireSymbols": False,
        "TemporaryPasswordValidityDays": 0,
    }
    assert described["AliasAttributes"] == ["email", "preferred_username"]
    assert "UsernameAttributes" not in described
    schema = _schema(described)
    assert schema["email"]["Required"] is True
    assert schema["custom:tenant"] == {
        "Name": "custom:tenant",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": False,
        "Required": False,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
    }
    assert schema["custom:level"]["NumberAttributeConstraints"] == {
        "MinValue": "-5",
        "MaxValue": "10",
    }
    assert schema["custom:joined"]["AttributeDataType"] == "DateTime"
    assert schema["custom:beta"]["Mutable"] is True
    assert schema["dev:custom:secret"]["DeveloperOnlyAttribute"] is True
    assert len(described["SchemaAttributes"]) == len(STANDARD_ATTRIBUTES) + 5
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert described["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailSubject"] == "Welcome"
    assert described["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]
    }
    template = described["VerificationMessageTemplate"]
    assert template["DefaultEmailOption"] == "CONFIRM_WITH_LINK"
    assert template["EmailMessageByLink"] == "Click {##here##} to verify"
    assert template["EmailSubject"] == described["EmailVerificationSubject"]
    assert described["EmailVerificationSubject"] == "Verify your account"
    assert described["DeletionProtection"] == "ACTIVE"
    assert described["UsernameConfiguration"] == {"CaseSensitive": False}
    assert described["UserPoolTags"] == {"team": "identity"}
    assert described["SmsConfiguration"]["ExternalId"] == "x"
    assert described["DeviceConfiguration"] == {"ChallengeRequiredOnNewDevice": True}
    assert described["LambdaConfig"]["PreSignUp"].endswith("function:pre")
    assert described["UserPoolAddOns"] == {"AdvancedSecurityMode": "OFF"}
    assert described["UserPoolTier"] == "PLUS"
    assert described["MfaConfiguration"] == "ON"
    # An SMS configuration makes SMS the factor behind MfaConfiguration=ON.
    mfa = idp.get_user_pool_mfa_config(UserPoolId=created["Id"])
    assert mfa["SmsMfaConfiguration"]["SmsConfiguration"]["ExternalId"] == "x"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"Policies": {"PasswordPolicy": {"MinimumLength": 5}}}, "minimumLength"),
        ({"Policies": {"PasswordPolicy": {"MinimumLength": 100}}}, "minimumLength"),
        (
            {"Policies": {"PasswordPolicy": {"TemporaryPasswordValidityDays": 366}}},
            "temporaryPasswordValidityDays",
        ),
        (
            {"UsernameAttributes": ["email"], "AliasAttributes": ["phone_number"]},
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
        ),
        (
            {
                "AutoVerifiedAttributes": ["phone_number"],
                "UserAttributeUpdateSettings": {
                    "AttributesRequireVerificationBeforeUpdate": ["email"]
                },
            },
            "All attributes in AttributesRequireVerificationBeforeUpdate must exist in "
            "AutoVerifiedAttributes",
        ),
        (
            {"Schema": [{"Name": "tier", "AttributeDataType": "String", "Required": True}]},
            "Required custom attributes are not supported currently.",
        ),
        (
            {"Schema": [{"Name": "tier"}]},
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
        ),
        (
            {"Schema": [{"Name": "email", "AttributeDataType": "Number"}]},
            "You can not change AttributeDataType or set developerOnlyAttribute for standard "
            "schema attribute email",
        ),
        (
            {
                "Schema": [
                    {
                        "Name": "code",
                        "AttributeDataType": "String",
                        "StringAttributeConstraints": {"MinLength": "9", "MaxLength": "3"},
                    }
                ]
            },
            "user.custom:code: Max length cannot be less than min length.",
        ),
        (
            {
                "Schema": [
                    {
                        "Name": "code",
                        "AttributeDataType": "String",
                        "StringAttributeConstraints": {"MaxLength": "4096"},
                    }
                ]
            },
            "user.custom:code: String attributes cannot have a length of more than 2048",
        ),
        (
            {
                "Schema": [
                    {
                        "Name": "n",
                        "AttributeDataType": "Number",
                        "NumberAttributeConstraints": {"MinValue": "ten"},
                    }
                ]
            },
            "Invalid NumberAttributeConstraints for schema attribute custom:n",
        ),
        (
            {
                "Schema": [
                    {"Name": "dup", "AttributeDataType": "String"},
                    {"Name": "dup", "AttributeDataType": "Number"},
                ]
            },
            "dup: Existing attribute already has name custom:dup.",
        ),
        ({"MfaConfiguration": "SOMETIMES"}, "mfaConfiguration"),
    ],
)
def test_create_refuses_invalid_settings(
    idp: Any, idp_raw: Any, members: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        idp_raw.create_user_pool(PoolName="bad", **members)
    code, text = _error(excinfo)
    assert code == "InvalidParameterException"
    assert message in text
    assert idp.list_user_pools(MaxResults=60)["UserPools"] == []


def test_unknown_pool_is_resource_not_found(idp: Any) -> None:
    for call in (
        lambda: idp.describe_user_pool(UserPoolId="us-east-1_Nope12345"),
        lambda: idp.update_user_pool(UserPoolId="us-east-1_Nope12345"),
        lambda: idp.delete_user_pool(UserPoolId="us-east-1_Nope12345"),
        lambda: idp.get_user_pool_mfa_config(UserPoolId="us-east-1_Nope12345"),
        lambda: idp.add_custom_attributes(
            UserPoolId="us-east-1_Nope12345",
            CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}],
        ),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == (
            "ResourceNotFoundException",
            "User pool us-east-1_Nope12345 does not exist.",
        )


def test_update_resets_omitted_settings_and_keeps_schema(
    idp: Any, idp_raw: Any, pool: dict[str, Any]
) -> None:
    pool_id = pool["Id"]
    idp.add_custom_attributes(
        UserPoolId=pool_id, CustomAttributes=[{"Name": "plan", "AttributeDataType": "String"}]
    )
    idp.update_user_pool(
        UserPoolId=pool_id,
        PoolName="renamed",
        Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireNumbers": True}},
        AutoVerifiedAttributes=["email"],
        DeletionProtection="ACTIVE",
        UserPoolTags={"env": "test"},
    )
    updated = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert updated["Name"] == "renamed"
    assert updated["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert updated["Policies"]["PasswordPolicy"]["RequireNumbers"] is True
    assert updated["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    assert updated["DeletionProtection"] == "ACTIVE"
    assert updated["UserPoolTags"] == {"env": "test"}
    # Omitted members fall back to Cognito's defaults ...
    assert updated["MfaConfiguration"] == "OFF"
    assert updated["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": []
    }
    # ... while what only CreateUserPool sets stays.
    assert updated["UsernameAttributes"] == ["email"]
    assert "custom:plan" in _schema(updated)
    assert updated["LastModifiedDate"] >= pool["LastModifiedDate"]

    with pytest.raises(ClientError) as excinfo:
        idp.update_user_pool(
            UserPoolId=pool_id,
            UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        )
    assert _error(excinfo)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        idp_raw.update_user_pool(
            UserPoolId=pool_id, Policies={"PasswordPolicy": {"TemporaryPasswordValidityDays": -1}}
        )
    assert _error(excinfo)[0] == "InvalidParameterException"


def test_delete_is_refused_while_deletion_protection_is_active(idp: Any) -> None:
    pool_id = idp.create_user_pool(PoolName="kept", DeletionProtection="ACTIVE")["UserPool"]["Id"]
    with pytest.raises(ClientError) as excinfo:
        idp.delete_user_pool(UserPoolId=pool_id)
    assert _error(excinfo) == (
        "InvalidParameterException",
        "The user pool cannot be deleted because deletion protection is activated. "
        "Deletion protection must be inactivated first.",
    )

    idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    # Users, groups and app clients go with the pool.
    idp.admin_create_user(UserPoolId=pool_id, Username="someone", MessageAction="SUPPRESS")
    idp.create_group(UserPoolId=pool_id, GroupName="staff")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="someone", GroupName="staff")
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EstimatedNumberOfUsers"] == 1
    idp.delete_user_pool(UserPoolId=pool_id)
    for call in (
        lambda: idp.describe_user_pool(UserPoolId=pool_id),
        lambda: idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id),
        lambda: idp.delete_user_pool(UserPoolId=pool_id),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo)[0] == "ResourceNotFoundException"
    assert idp.list_user_pools(MaxResults=60)["UserPools"] == []


def test_list_user_pools_pages_with_next_token(idp: Any, idp_raw: Any) -> None:
    created = [idp.create_user_pool(PoolName=f"p{n}")["UserPool"]["Id"] for n in range(5)]
    seen: list[str] = []
    kwargs: dict[str, Any] = {"MaxResults": 2}
    while True:
        page = idp.list_user_pools(**kwargs)
        assert len(page["UserPools"]) <= 2
        seen += [item["Id"] for item in page["UserPools"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert seen == created
    first = idp.list_user_pools(MaxResults=60)["UserPools"][0]
    assert set(first) >= {"Id", "Name", "LambdaConfig", "CreationDate", "LastModifiedDate"}
    paginated = idp.get_paginator("list_user_pools").paginate(MaxResults=3)
    assert [item["Id"] for item in paginated.build_full_result()["UserPools"]] == created

    for bad in ({"MaxResults": 0}, {"MaxResults": 61}, {"MaxResults": 5, "NextToken": "forged"}):
        with pytest.raises(ClientError) as excinfo:
            idp_raw.list_user_pools(**bad)
        assert _error(excinfo)[0] == "InvalidParameterException"


def test_add_custom_attributes(idp: Any, idp_raw: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    idp.add_custom_attributes(
        UserPoolId=pool_id,
        CustomAttributes=[
            {"Name": "tier", "AttributeDataType": "String", "Mutable": False},
            {"Name": "score", "AttributeDataType": "Number"},
            # A name given with its prefix is not prefixed twice.
            {"Name": "custom:region", "AttributeDataType": "String"},
        ],
    )
    schema = _schema(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    assert "custom:region" in schema
    assert "custom:custom:region" not in schema
    assert schema["custom:tier"]["Mutable"] is False
    assert schema["custom:score"]["AttributeDataType"] == "Number"

    with pytest.raises(ClientError) as excinfo:
        idp.add_custom_attributes(
            UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}]
        )
    assert _error(excinfo) == (
        "InvalidParameterException",
        "tier: Existing attribute already has name custom:tier.",
    )
    with pytest.raises(ClientError) as excinfo:
        idp_raw.add_custom_attributes(
            UserPoolId=pool_id, CustomAttributes=[{"Name": "x" * 21, "AttributeDataType": "String"}]
        )
    assert _error(excinfo)[0] == "InvalidParameterException"

    # At most 50 custom attributes per pool: three exist, 25 more fit, the next 23 do not.
    batch = [{"Name": f"a{n}", "AttributeDataType": "String"} for n in range(25)]
    idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=batch)
    batch = [{"Name": f"b{n}", "AttributeDataType": "String"} for n in range(23)]
    with pytest.raises(ClientError) as excinfo:
        idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=batch)
    assert _error(excinfo) == (
        "InvalidParameterException",
        "The user pool has reached the limit of 50 custom attributes.",
    )
    custom = [
        name
        for name in _schema(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])
        if name.startswith("custom:")
    ]
    assert len(custom) == 28


def test_user_pool_mfa_config(idp: Any) -> None:
    pool_id = idp.create_user_pool(PoolName="mfa")["UserPool"]["Id"]
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"

    with pytest.raises(ClientError) as excinfo:
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON")
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Invalid MFA configuration given, can't disable all MFAs with a required or optional "
        "configuration.",
    )
    with pytest.raises(ClientError) as excinfo:
        idp.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            MfaConfiguration="OFF",
            SoftwareTokenMfaConfiguration={"Enabled": True},
        )
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
    )

    answer = idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Sign-in code"},
    )
    stored = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    for result in (answer, stored):
        assert result["MfaConfiguration"] == "ON"
        assert result["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
        assert result["EmailMfaConfiguration"] == {
            "Message": "Your code is {####}",
            "Subject": "Sign-in code",
        }
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "ON"

    sms = idp.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={
            "SmsAuthenticationMessage": "Code {####}",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"},
        },
    )
    assert sms["MfaConfiguration"] == "OPTIONAL"
    assert sms["SmsMfaConfiguration"]["SmsAuthenticationMessage"] == "Code {####}"
    assert sms["SoftwareTokenMfaConfiguration"] == {"Enabled": True}

    off = idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF")
    assert off["MfaConfiguration"] == "OFF"
    assert off["SoftwareTokenMfaConfiguration"] == {"Enabled": False}
    assert "SmsMfaConfiguration" not in off
    assert "EmailMfaConfiguration" not in off


def test_pool_made_optional_without_sms_gets_the_totp_factor(
    idp: Any, pool: dict[str, Any]
) -> None:
    mfa = idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])
    assert mfa["MfaConfiguration"] == "OPTIONAL"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_tags_by_pool_arn(idp: Any, pool: dict[str, Any]) -> None:
    arn = pool["Arn"]
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {}
    idp.tag_resource(ResourceArn=arn, Tags={"team": "identity", "env": "dev"})
    idp.tag_resource(ResourceArn=arn, Tags={"env": "prod"})
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {
        "team": "identity",
        "env": "prod",
    }
    idp.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "prod"}
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["UserPoolTags"] == {
        "env": "prod"
    }

    with pytest.raises(ClientError) as excinfo:
        idp.tag_resource(ResourceArn=arn, Tags={f"k{n}": "v" for n in range(50)})
    assert _error(excinfo)[0] == "InvalidParameterException"

    unknown = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Nope12345"
    wrong_account = arn.replace("123456789012", "999999999999")
    for missing in (unknown, wrong_account):
        for call in (
            lambda missing=missing: idp.list_tags_for_resource(ResourceArn=missing),
            lambda missing=missing: idp.tag_resource(ResourceArn=missing, Tags={"a": "b"}),
            lambda missing=missing: idp.untag_resource(ResourceArn=missing, TagKeys=["a"]),
        ):
            with pytest.raises(ClientError) as excinfo:
                call()
            assert _error(excinfo)[0] == "ResourceNotFoundException"
