"""The admin console: every page renders, user actions go through the services, secrets
never reach the HTML, and pool users cannot sign in to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import reverse

from accounts.admin import MembershipForm
from accounts.models import (
    AuditEvent,
    DeletionProtection,
    Group,
    GroupMembership,
    OutboxMessage,
    PoolUser,
    UserPool,
    UserStatus,
)
from accounts.services import passwords
from api.models import AccessKey
from core import crypto
from core.errors import NotAuthorizedException
from oauth.admin import SECRET_NONE, SECRET_SET, AppClientAdmin
from oauth.models import AccessToken, AppClient, Grant, IDToken, RefreshToken
from oauth.services import tokens

USER_PASSWORD = "Corr3ct-Horse-Battery!"
TEMPORARY_PASSWORD_IN_MAIL = "Tmp-Passw0rd-in-mail!"


@dataclass
class Console:
    pool: UserPool
    other_pool: UserPool
    alice: PoolUser
    bob: PoolUser
    carol: PoolUser
    client: AppClient
    public_client: AppClient
    client_secret: str
    group: Group
    access_key: AccessKey
    access_key_secret: str
    outbox: OutboxMessage
    audit: AuditEvent
    token_set: tokens.TokenSet

    def secrets(self) -> list[str]:
        values = [
            self.client_secret,
            self.client.secret_encrypted,
            self.client.secret_digest,
            self.access_key_secret,
            self.access_key.secret_encrypted,
            TEMPORARY_PASSWORD_IN_MAIL,
            self.token_set.access_token,
            self.token_set.id_token,
        ]
        if self.token_set.refresh_token:
            values.append(self.token_set.refresh_token)
        for user in (self.alice, self.bob, self.carol):
            values += [user.password_hash, user.srp_salt, user.srp_verifier]
        return values


def _user(pool: UserPool, username: str, status: str, **attributes: str) -> PoolUser:
    user = PoolUser(pool=pool, username=username, username_key=username.lower(), status=status)
    user.set_attributes(attributes)
    passwords.set_password(user, USER_PASSWORD)
    user.save()
    return user


@pytest.fixture
def console(db: None) -> Console:
    pool = UserPool.objects.create(name="console-pool", mfa_configuration="OPTIONAL")
    other_pool = UserPool.objects.create(
        name="protected-pool", deletion_protection=DeletionProtection.ACTIVE
    )
    alice = _user(
        pool,
        "alice",
        UserStatus.CONFIRMED,
        email="alice@example.com",
        email_verified="true",
        phone_number="+15555550100",
        family_name="Liddell",
    )
    bob = _user(pool, "bob", UserStatus.UNCONFIRMED, email="bob@example.com")
    carol = _user(other_pool, "carol", UserStatus.CONFIRMED, email="carol@example.org")

    client = AppClient(pool=pool, name="web", client_type="confidential")
    client_secret = client.generate_secret()
    client.save()
    public_client = AppClient.objects.create(pool=pool, name="spa", client_type="public")

    group = Group.objects.create(pool=pool, name="admins", precedence=1)
    GroupMembership.objects.create(group=group, user=alice)
    access_key, access_key_secret = AccessKey.issue(description="ci")
    outbox = OutboxMessage.objects.create(
        pool=pool,
        recipient="bob@example.com",
        subject="Your temporary password",
        body=f"Your username is bob and temporary password is {TEMPORARY_PASSWORD_IN_MAIL}",
        attempts=2,
        last_error="SMTP 451 try later",
    )
    audit = AuditEvent.objects.create(
        pool=pool, user=alice, event="AdminCreateUser", actor="ci", details={"via": "test"}
    )
    token_set = tokens.issue_token_set(client=client, user=alice)
    return Console(
        pool=pool,
        other_pool=other_pool,
        alice=alice,
        bob=bob,
        carol=carol,
        client=client,
        public_client=public_client,
        client_secret=client_secret,
        group=group,
        access_key=access_key,
        access_key_secret=access_key_secret,
        outbox=outbox,
        audit=audit,
        token_set=token_set,
    )


def _assert_no_secret(html: str, console: Console, page: str) -> None:
    for secret in console.secrets():
        assert secret, "fixture secrets are non-empty"
        assert secret not in html, f"{page} leaks a secret"


def test_every_page_renders_and_no_secret_reaches_the_html(
    admin_client: Client, console: Console
) -> None:
    objects: list[Any] = [
        console.pool,
        console.alice,
        console.group,
        console.client,
        console.access_key,
        console.outbox,
        console.audit,
    ]
    objects += list(AccessToken.objects.all()) + list(RefreshToken.objects.all())
    pages = [reverse("admin:index")]
    for obj in objects:
        info = (obj._meta.app_label, obj._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        pages.append(reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)]))
    pages += [reverse("admin:accounts_group_add"), reverse("admin:api_accesskey_add")]

    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        _assert_no_secret(response.content.decode(), console, page)

    client_list = admin_client.get(reverse("admin:oauth_appclient_changelist")).content.decode()
    assert SECRET_SET in client_list
    assert SECRET_NONE in client_list
    user_page = admin_client.get(
        reverse("admin:accounts_pooluser_change", args=[quote(console.alice.pk)])
    ).content.decode()
    # Attributes appear read-only as a table, sub included.
    assert "<td>family_name</td><td>Liddell</td>" in user_page
    assert f"<td>sub</td><td>{console.alice.sub}</td>" in user_page
    assert 'name="password_hash"' not in user_page
    pool_list = admin_client.get(reverse("admin:accounts_userpool_changelist"))
    counts = {pool.pk: pool.users_total for pool in pool_list.context["cl"].result_list}
    assert counts == {console.pool.pk: 2, console.other_pool.pk: 1}
    outbox_list = admin_client.get(reverse("admin:accounts_outboxmessage_changelist"))
    assert "SMTP 451 try later" in outbox_list.content.decode()
    assert "failing" in outbox_list.content.decode()


def test_console_shows_our_models_once_and_not_dot_internals() -> None:
    assert isinstance(admin.site._registry[AppClient], AppClientAdmin)
    assert not admin.site.is_registered(Grant)
    assert not admin.site.is_registered(IDToken)
    registered = [model._meta.label for model in admin.site._registry]
    assert len(registered) == len(set(registered))
    assert {"accounts.UserPool", "accounts.PoolUser", "api.AccessKey"} <= set(registered)


def _changelist(admin_client: Client, **params: str) -> list[str]:
    response = admin_client.get(reverse("admin:accounts_pooluser_changelist"), params)
    assert response.status_code == 200
    return sorted(user.username for user in response.context["cl"].result_list)


def test_user_search_and_filters(admin_client: Client, console: Console) -> None:
    assert _changelist(admin_client, q="alice@example.com") == ["alice"]
    assert _changelist(admin_client, q=str(console.bob.sub)) == ["bob"]
    assert _changelist(admin_client, q="+15555550100") == ["alice"]
    assert _changelist(admin_client, q="carol") == ["carol"]
    assert _changelist(admin_client, status__exact="UNCONFIRMED") == ["bob"]
    assert _changelist(admin_client, pool__id__exact=console.other_pool.pk) == ["carol"]
    console.bob.enabled = False
    console.bob.save(update_fields=["enabled"])
    assert _changelist(admin_client, enabled__exact="0") == ["bob"]
    assert _changelist(admin_client, enabled__exact="1") == ["alice", "carol"]


def _run_action(admin_client: Client, action: str, *selected: PoolUser) -> list[str]:
    response = admin_client.post(
        reverse("admin:accounts_pooluser_changelist"),
        {"action": action, "_selected_action": [user.pk for user in selected]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_user_actions_change_state_through_the_services(
    admin_client: Client, console: Console
) -> None:
    alice, bob = console.alice, console.bob

    assert _run_action(admin_client, "disable_users", alice, bob) == [
        "Disabled alice.",
        "Disabled bob.",
    ]
    alice.refresh_from_db()
    assert alice.enabled is False
    assert _run_action(admin_client, "enable_users", alice) == ["Enabled alice."]
    alice.refresh_from_db()
    assert alice.enabled is True

    assert _run_action(admin_client, "confirm_users", bob) == ["Confirmed bob."]
    bob.refresh_from_db()
    assert bob.status == UserStatus.CONFIRMED

    # Disabling signed alice out (Cognito revokes tokens on disable) ...
    with pytest.raises(NotAuthorizedException):
        tokens.authenticate_access_token(console.token_set.access_token)
    # ... and "sign out everywhere" revokes what was issued since: access and refresh token.
    fresh = tokens.issue_token_set(client=console.client, user=alice)
    assert tokens.authenticate_access_token(fresh.access_token).user == alice
    assert _run_action(admin_client, "sign_out_everywhere", alice) == ["Signed out alice."]
    with pytest.raises(NotAuthorizedException):
        tokens.authenticate_access_token(fresh.access_token)
    with pytest.raises(NotAuthorizedException):
        tokens.refresh_tokens(client=console.client, refresh_token=fresh.refresh_token or "")
    assert AuditEvent.objects.filter(
        user=alice, event="global_sign_out", actor="console:admin"
    ).exists()

    assert _run_action(admin_client, "reset_passwords", alice) == ["Reset the password of alice."]
    alice.refresh_from_db()
    assert alice.status == UserStatus.RESET_REQUIRED

    confirm_page = admin_client.post(
        reverse("admin:accounts_pooluser_changelist"),
        {"action": "delete_selected", "_selected_action": [bob.pk]},
    )
    assert confirm_page.status_code == 200  # Django's "are you sure?" page first
    assert PoolUser.objects.filter(pk=bob.pk).exists()
    response = admin_client.post(
        reverse("admin:accounts_pooluser_changelist"),
        {"action": "delete_selected", "_selected_action": [bob.pk], "post": "yes"},
        follow=True,
    )
    assert "Deleted bob." in [str(message) for message in response.context["messages"]]
    assert not PoolUser.objects.filter(pk=bob.pk).exists()

    response = admin_client.post(
        reverse("admin:accounts_pooluser_delete", args=[quote(alice.pk)]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not PoolUser.objects.filter(pk=alice.pk).exists()


def test_service_errors_are_error_messages_not_500s(admin_client: Client, console: Console) -> None:
    # AdminConfirmSignUp refuses a user who is not UNCONFIRMED; bob still gets confirmed.
    assert _run_action(admin_client, "confirm_users", console.alice, console.bob) == [
        "alice: NotAuthorizedException: User cannot be confirmed. Current status is CONFIRMED",
        "Confirmed bob.",
    ]
    # AdminResetUserPassword needs a verified email or phone number, which carol lacks.
    (message,) = _run_action(admin_client, "reset_passwords", console.carol)
    assert message.startswith("carol: InvalidParameterException: Cannot reset password")
    console.carol.refresh_from_db()
    assert console.carol.status == UserStatus.CONFIRMED


def test_pool_user_cannot_sign_in_to_the_console(console: Console) -> None:
    browser = Client()
    response = browser.post(
        reverse("admin:login"),
        {"username": "alice", "password": USER_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 200  # the login form again, with its error
    assert "_auth_user_id" not in browser.session
    assert browser.get(reverse("admin:index")).status_code == 302


def test_staff_login_still_works(admin_user: Any) -> None:
    browser = Client()
    response = browser.post(
        reverse("admin:login"), {"username": "admin", "password": "password", "next": "/admin/"}
    )
    assert response.status_code == 302
    assert browser.get(reverse("admin:index")).status_code == 200


def test_access_key_secret_is_shown_once_then_deactivated(
    admin_client: Client, console: Console
) -> None:
    response = admin_client.post(reverse("admin:api_accesskey_add"), {"description": "deploy"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = AccessKey.objects.get(description="deploy")
    secret = key.get_secret()
    html = response.content.decode()
    assert key.access_key_id in html
    assert secret in html
    assert key.secret_encrypted not in html

    for page in (
        reverse("admin:api_accesskey_change", args=[quote(key.pk)]),
        reverse("admin:api_accesskey_changelist"),
    ):
        assert secret not in admin_client.get(page).content.decode()

    response = admin_client.post(
        reverse("admin:api_accesskey_changelist"),
        {"action": "deactivate", "_selected_action": [key.pk, console.access_key.pk]},
        follow=True,
    )
    assert "Deactivated 2 access key(s)." in [str(m) for m in response.context["messages"]]
    assert not AccessKey.objects.filter(active=True).exists()
    assert crypto.decrypt(key.secret_encrypted) == secret


def test_deleting_clients_and_pools_goes_through_their_services(
    admin_client: Client, console: Console
) -> None:
    protected = reverse("admin:accounts_userpool_delete", args=[quote(console.other_pool.pk)])
    assert admin_client.get(protected).status_code == 403

    # The app client holds alice's tokens, which go with it (DeleteUserPoolClient).
    client_delete = reverse("admin:oauth_appclient_delete", args=[quote(console.client.pk)])
    assert admin_client.post(client_delete, {"post": "yes"}).status_code == 302
    assert not AppClient.objects.filter(pk=console.client.pk).exists()
    assert not RefreshToken.objects.filter(user=console.alice).exists()
    assert AuditEvent.objects.filter(event="DeleteUserPoolClient").exists()

    pool_delete = reverse("admin:accounts_userpool_delete", args=[quote(console.pool.pk)])
    confirm = admin_client.get(pool_delete)
    assert confirm.status_code == 200
    assert dict(confirm.context["model_count"])["pool users"] == 2  # summarised, not listed
    assert admin_client.post(pool_delete, {"post": "yes"}).status_code == 302
    assert not UserPool.objects.filter(pk=console.pool.pk).exists()
    assert not PoolUser.objects.filter(pk__in=[console.alice.pk, console.bob.pk]).exists()

    # A bulk delete names the protected pool and deletes nothing.
    response = admin_client.post(
        reverse("admin:accounts_userpool_changelist"),
        {"action": "delete_selected", "_selected_action": [console.other_pool.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert f"{console.other_pool} has deletion protection" in response.content.decode()
    assert UserPool.objects.filter(pk=console.other_pool.pk).exists()


def test_membership_stays_within_one_pool(console: Console) -> None:
    cross_pool = MembershipForm(data={"group": console.group.pk, "user": console.carol.pk})
    assert not cross_pool.is_valid()
    assert "different pools" in str(cross_pool.errors)
    same_pool = MembershipForm(data={"group": console.group.pk, "user": console.bob.pk})
    assert same_pool.is_valid()


def test_audit_and_outbox_are_read_only(admin_client: Client, console: Console) -> None:
    for name in ("auditevent", "outboxmessage"):
        assert admin_client.get(reverse(f"admin:accounts_{name}_add")).status_code == 403
    outbox_page = admin_client.get(
        reverse("admin:accounts_outboxmessage_change", args=[quote(console.outbox.pk)])
    ).content.decode()
    assert 'name="recipient"' not in outbox_page  # shown, not editable
    assert "SMTP 451 try later" in outbox_page
    post = admin_client.post(
        reverse("admin:accounts_auditevent_change", args=[quote(console.audit.pk)]),
        {"event": "forged"},
    )
    assert post.status_code == 403
    console.audit.refresh_from_db()
    assert console.audit.event == "AdminCreateUser"


def _formset_data(page: Any, index: int) -> tuple[str, dict[str, Any]]:
    formset = page.context["inline_admin_formsets"][index].formset
    management = formset.management_form
    data = {
        f"{formset.prefix}-{name}": management[name].value()
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
    }
    for position, form in enumerate(formset.forms):
        data[f"{formset.prefix}-{position}-id"] = form.instance.pk
    return formset.prefix, data


def test_pool_settings_memberships_and_groups_are_editable(
    admin_client: Client, console: Console
) -> None:
    pool_url = reverse("admin:accounts_userpool_change", args=[quote(console.pool.pk)])
    data: dict[str, Any] = {}
    data.update({"name": "renamed", "deletion_protection": "ACTIVE"})
    assert admin_client.post(pool_url, data).status_code == 302
    console.pool.refresh_from_db()
    assert (console.pool.name, console.pool.deletion_protection) == ("renamed", "ACTIVE")
    assert console.pool.reject_common_passwords is False  # unchecked box
    # A name UpdateUserPool's PoolName would refuse is refused here too.
    data.update({"name": "team/pool"})
    refused = admin_client.post(pool_url, data)
    assert refused.status_code == 200
    assert "at 'poolName' failed" in refused.context["adminform"].form.errors["name"][0]
    console.pool.refresh_from_db()
    assert console.pool.name == "renamed"

    user_url = reverse("admin:accounts_pooluser_change", args=[quote(console.bob.pk)])
    prefix, data = _formset_data(admin_client.get(user_url), 0)
    data.update({f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-0-group": console.group.pk})
    assert admin_client.post(user_url, data).status_code == 302
    assert set(console.group.members.all()) == {console.alice, console.bob}

    response = admin_client.post(
        reverse("admin:accounts_group_add"),
        {
            "name": "readers",
            "pool": console.pool.pk,
            "precedence": 5,
            "groupmembership_set-TOTAL_FORMS": 0,
            "groupmembership_set-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    assert Group.objects.get(pool=console.pool, name="readers").precedence == 5


def test_pool_ids_that_look_like_admin_escapes_open(admin_client: Client) -> None:
    # The admin escapes "_" in primary keys ("_22" would read back as '"'); a pool id's
    # random part can start with two hex digits, so every link must go through quote().
    pool = UserPool.objects.create(id="us-east-1_22eD6eLz5", name="escape-pool")
    url = reverse("admin:accounts_userpool_change", args=[quote(pool.pk)])
    assert admin_client.get(url).status_code == 200
    changelist = admin_client.get(reverse("admin:accounts_userpool_changelist")).content.decode()
    assert url in changelist


def _staff_client(*permissions: str) -> Client:
    from django.contrib.auth.models import Permission, User

    staff = User.objects.create_user("viewer", password="viewer-password", is_staff=True)
    for codename in permissions:
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    browser = Client()
    browser.force_login(staff)
    return browser


def test_view_only_staff_cannot_run_state_changing_actions(console: Console) -> None:
    viewer = _staff_client("view_pooluser", "view_accesskey")
    users_url = reverse("admin:accounts_pooluser_changelist")
    listing = viewer.get(users_url)
    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no action offered at all
    for action in ("disable_users", "reset_passwords", "sign_out_everywhere"):
        viewer.post(users_url, {"action": action, "_selected_action": [console.alice.pk]})
    console.alice.refresh_from_db()
    assert (console.alice.enabled, console.alice.status) == (True, UserStatus.CONFIRMED)
    assert tokens.authenticate_access_token(console.token_set.access_token).user == console.alice

    viewer.post(
        reverse("admin:api_accesskey_changelist"),
        {"action": "deactivate", "_selected_action": [console.access_key.pk]},
    )
    console.access_key.refresh_from_db()
    assert console.access_key.active is True


def test_staff_without_model_permissions_sees_nothing(console: Console) -> None:
    nobody = _staff_client()
    assert nobody.get(reverse("admin:index")).context["app_list"] == []
    for name in ("accounts_pooluser", "accounts_userpool", "oauth_appclient", "api_accesskey"):
        assert nobody.get(reverse(f"admin:{name}_changelist")).status_code == 403
    alice_url = reverse("admin:accounts_pooluser_change", args=[quote(console.alice.pk)])
    assert nobody.get(alice_url).status_code == 403


def test_group_and_membership_changes_go_through_the_group_services(
    admin_client: Client, console: Console
) -> None:
    # Adding bob on his page is AdminAddUserToGroup: recorded like the API's.
    user_url = reverse("admin:accounts_pooluser_change", args=[quote(console.bob.pk)])
    prefix, data = _formset_data(admin_client.get(user_url), 0)
    data.update({f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-0-group": console.group.pk})
    assert admin_client.post(user_url, data).status_code == 302
    assert AuditEvent.objects.filter(
        user=console.bob, event="group_member_added", details={"group": "admins"}
    ).exists()

    # Removing alice on her page is AdminRemoveUserFromGroup.
    alice_url = reverse("admin:accounts_pooluser_change", args=[quote(console.alice.pk)])
    prefix, data = _formset_data(admin_client.get(alice_url), 0)
    data.update({f"{prefix}-0-group": console.group.pk, f"{prefix}-0-DELETE": "on"})
    assert admin_client.post(alice_url, data).status_code == 302
    assert set(console.group.members.all()) == {console.bob}
    assert AuditEvent.objects.filter(
        user=console.alice, event="group_member_removed", details={"group": "admins"}
    ).exists()

    # A name CreateGroup refuses (GroupNameType has no spaces) would be a group no API call
    # could ever name again; a precedence past PrecedenceType's 32 bits is refused too.
    add = {
        "pool": console.pool.pk,
        "groupmembership_set-TOTAL_FORMS": 0,
        "groupmembership_set-INITIAL_FORMS": 0,
    }
    refused = admin_client.post(reverse("admin:accounts_group_add"), {**add, "name": "two words"})
    assert refused.status_code == 200
    (error,) = refused.context["adminform"].form.non_field_errors()
    assert "at 'groupName' failed to satisfy constraint" in error
    too_high = admin_client.post(
        reverse("admin:accounts_group_add"), {**add, "name": "big", "precedence": 2**31}
    )
    assert too_high.status_code == 200
    assert not Group.objects.filter(name__in=["two words", "big"]).exists()

    # Deleting the group is DeleteGroup: its memberships go, the deletion is recorded.
    delete_url = reverse("admin:accounts_group_delete", args=[quote(console.group.pk)])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Group.objects.filter(pk=console.group.pk).exists()
    assert AuditEvent.objects.filter(
        event="group_deleted", details={"group": "admins", "members": 1}
    ).exists()


def test_identity_pools_identities_and_credentials_are_visible_and_revocable(
    admin_client: Client, console: Console
) -> None:
    from identity.models import Identity, IdentityLogin, IdentityPool, IssuedCredential
    from identity.services import credentials

    pool = IdentityPool.objects.create(
        name="身份池", roles={"authenticated": "arn:aws:iam::123456789012:role/auth"}
    )
    identity = Identity.objects.create(id=Identity.new_id(pool), pool=pool)
    IdentityLogin.objects.create(
        identity=identity, pool=pool, provider="cognito-idp", subject=str(console.alice.sub)
    )
    issued = [
        credentials.issue_credentials(identity=identity, role_arn=pool.roles["authenticated"])
        for _ in range(2)
    ]
    first, second = (IssuedCredential.objects.get(access_key_id=c.access_key_id) for c in issued)
    hidden = [c.secret_key for c in issued] + [c.session_token for c in issued]
    hidden += [first.secret_encrypted, first.session_token_digest]

    pages = [reverse("admin:index")]
    for obj in (pool, identity, first):
        info = (obj._meta.app_label, obj._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        pages.append(reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)]))
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert not [value for value in hidden if value in html], page
    identity_page = admin_client.get(pages[4]).content.decode()
    assert first.access_key_id in identity_page
    assert str(console.alice.sub) in identity_page
    found = admin_client.get(
        reverse("admin:identity_identity_changelist"), {"q": str(console.alice.sub)}
    )
    assert list(found.context["cl"].result_list) == [identity]

    # A view-only operator cannot revoke; an operator with change permission can, one
    # credential or every credential of an identity.
    viewer = _staff_client("view_issuedcredential", "view_identity")
    credential_list = reverse("admin:identity_issuedcredential_changelist")
    viewer.post(credential_list, {"action": "revoke", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.revoked is None
    response = admin_client.post(
        credential_list, {"action": "revoke", "_selected_action": [first.pk]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Revoked 1 credential(s)."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.revoked is not None
    assert second.revoked is None
    response = admin_client.post(
        reverse("admin:identity_identity_changelist"),
        {"action": "revoke_credentials", "_selected_action": [identity.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"Revoked 1 credential(s) of {identity.id}."
    ]
    second.refresh_from_db()
    assert second.revoked is not None

    # Deleting is DeleteIdentities (recorded, logins and credentials go) and DeleteIdentityPool.
    delete = reverse("admin:identity_identity_delete", args=[quote(identity.pk)])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not IssuedCredential.objects.filter(identity_id=identity.pk).exists()
    assert AuditEvent.objects.filter(event="delete_identity", actor="console:admin").exists()
    delete = reverse("admin:identity_identitypool_delete", args=[quote(pool.pk)])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not IdentityPool.objects.filter(pk=pool.pk).exists()


def test_user_search_reads_indexes_and_pool_counts_do_not_multiply(
    admin_client: Client, console: Console
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    crowd = []
    for number in range(300):
        user = PoolUser(
            pool=console.pool,
            username=f"User{number:03}",
            username_key=f"user{number:03}",
            status=UserStatus.CONFIRMED,
        )
        user.set_attributes(
            {"email": f"User{number:03}@Example.com", "phone_number": f"+4479460{number:05}"}
        )
        crowd.append(user)
    PoolUser.objects.bulk_create(crowd)
    groups = [Group(pool=console.pool, name=f"team-{number}") for number in range(5)]
    Group.objects.bulk_create(groups)
    target = PoolUser.objects.get(username="User123")

    searches = {
        str(target.sub): ["User123"],  # sub: exact, through its unique index
        "user12": [f"User12{digit}" for digit in range(10)],  # username prefix, any case
        "User123@Example": ["User123"],  # email prefix
        "+447946000123": ["User123"],  # phone number ...
        "447946000123": ["User123"],  # ... also without its '+'
        "alice@": ["alice"],
    }
    for term, expected in searches.items():
        with CaptureQueriesContext(connection) as queries:
            assert _changelist(admin_client, q=term) == expected, term
        sql = " ".join(
            query["sql"] for query in queries.captured_queries if "pooluser" in query["sql"]
        )
        # Django's default search is UPPER(column) LIKE '%term%' on every column: a scan of
        # every user of every pool. Prefix matches and equality can read an index.
        assert "LIKE '%" not in sql, term
        assert "UPPER(" not in sql, term

    with CaptureQueriesContext(connection) as queries:
        pools = admin_client.get(reverse("admin:accounts_userpool_changelist"))
    counts = {
        pool.pk: (pool.users_total, pool.groups_total) for pool in pools.context["cl"].result_list
    }
    assert counts == {console.pool.pk: (302, 6), console.other_pool.pk: (1, 0)}
    # Counting users and groups through one join made (users x groups) rows per pool.
    listing = next(
        query["sql"] for query in queries.captured_queries if "groups_total" in query["sql"]
    )
    assert "JOIN" not in listing


def test_staff_credentials_do_not_sign_in_to_a_pool(console: Console) -> None:
    import json

    from django.contrib.auth.models import User

    # A console account named like a pool user, with its own password.
    User.objects.create_user("alice", password="staff-Password-1", is_staff=True)
    console.public_client.explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH"]
    console.public_client.save(update_fields=["explicit_auth_flows"])
    browser = Client()

    def initiate_auth(password: str) -> tuple[int, dict[str, Any]]:
        response = browser.post(
            "/",
            json.dumps(
                {
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "ClientId": console.public_client.client_id,
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": password},
                }
            ),
            content_type="application/x-amz-json-1.1",
            headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
        )
        return response.status_code, json.loads(response.content)

    status, body = initiate_auth("staff-Password-1")
    assert (status, body["__type"]) == (400, "NotAuthorizedException")
    status, body = initiate_auth(USER_PASSWORD)
    assert status == 200
    assert "AccessToken" in body["AuthenticationResult"]
    # ... and the console takes the staff password, not the pool user's.
    assert not Client().login(username="alice", password=USER_PASSWORD)
    assert Client().login(username="alice", password="staff-Password-1")


def test_a_large_group_page_stays_small_and_lists_members_on_the_users_page(
    admin_client: Client, console: Console
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    crowd = PoolUser.objects.bulk_create(
        PoolUser(pool=console.pool, username=f"m{n}", username_key=f"m{n}", status="CONFIRMED")
        for n in range(400)
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(group=console.group, user=user) for user in crowd
    )
    group_url = reverse("admin:accounts_group_change", args=[quote(console.group.pk)])
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(group_url)
    assert page.status_code == 200
    # An inline of every member cost a query per member (its raw-id label) ...
    assert len(queries.captured_queries) < 20
    members_url = reverse("admin:accounts_pooluser_changelist") + f"?group={console.group.pk}"
    assert f'href="{members_url}">401 member(s)</a>' in page.content.decode().replace("&amp;", "&")
    # ... and its posted form (3 fields a member) passed Django's 1,000-field limit, so a
    # group of this size could not be saved; now it can.
    response = admin_client.post(group_url, {"description": "all customers", "precedence": 2})
    assert response.status_code == 302
    console.group.refresh_from_db()
    assert (console.group.description, console.group.members.count()) == ("all customers", 401)

    listing = admin_client.get(members_url)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 401
    for junk in ("abc", "²", "9" * 30, str(console.group.pk + 1000)):
        assert _changelist(admin_client, group=junk) == []


def test_a_pool_with_many_groups_can_still_be_saved(admin_client: Client, console: Console) -> None:
    Group.objects.bulk_create(Group(pool=console.pool, name=f"tenant-{n}") for n in range(600))
    pool_url = reverse("admin:accounts_userpool_change", args=[quote(console.pool.pk)])
    page = admin_client.get(pool_url)
    html = page.content.decode().replace("&amp;", "&")
    groups_url = reverse("admin:accounts_group_changelist") + f"?pool__id__exact={console.pool.pk}"
    users_url = (
        reverse("admin:accounts_pooluser_changelist") + f"?pool__id__exact={console.pool.pk}"
    )
    assert f'href="{groups_url}">601 group(s)</a>' in html
    assert f'href="{users_url}">2 user(s)</a>' in html
    # An inline of every group posted two fields a group: past 500 groups the form passed
    # Django's 1,000-field limit and the pool could no longer be renamed or protected.
    response = admin_client.post(
        pool_url, {"name": "many-tenants", "deletion_protection": "ACTIVE"}
    )
    assert response.status_code == 302
    console.pool.refresh_from_db()
    assert (console.pool.name, console.pool.deletion_protection) == ("many-tenants", "ACTIVE")
    assert admin_client.get(groups_url).context["cl"].result_count == 601


def test_console_sign_in_locks_a_name_after_repeated_wrong_passwords(db: None) -> None:
    from django.contrib.auth.models import User

    from accounts.admin import CONSOLE_LOCKED_MESSAGE, console_lockout_subject
    from accounts.services import lockout

    User.objects.create_user("operator-lock", password="Right-password-1", is_staff=True)
    subject = console_lockout_subject("operator-lock")
    browser = Client()

    def sign_in(password: str) -> Any:
        return browser.post(
            reverse("admin:login"),
            {"username": "operator-lock", "password": password, "next": "/admin/"},
        )

    assert sign_in("Right-password-1").status_code == 302
    browser.logout()
    for _ in range(lockout.FREE_FAILURES):
        assert sign_in("wrong").status_code == 200
    # Each wrong password was counted for this name (the next one is the sixth) ...
    assert lockout.record_failure(subject) == lockout.FREE_FAILURES + 1
    # ... and past the free ones the name is locked: even the right password is refused
    # unchecked (a wait of minutes, recorded directly so no test timing decides it).
    for _ in range(8):
        lockout.record_failure(subject)
    refused = sign_in("Right-password-1")
    assert refused.status_code == 200
    assert CONSOLE_LOCKED_MESSAGE in refused.content.decode()
    assert "_auth_user_id" not in browser.session
    lockout.record_success(subject)  # the wait over, the right password signs in again
    assert sign_in("Right-password-1").status_code == 302


def test_user_page_posts_cannot_set_attributes_state_or_a_password_hash(
    admin_client: Client, console: Console
) -> None:
    alice = console.alice
    before = PoolUser.objects.get(pk=alice.pk)
    user_url = reverse("admin:accounts_pooluser_change", args=[quote(alice.pk)])
    prefix, data = _formset_data(admin_client.get(user_url), 0)
    data[f"{prefix}-0-group"] = console.group.pk
    data.update(
        {
            "password_hash": "argon2$forged",
            "srp_verifier": "00",
            "attributes": '{"email": "mallory@example.com"}',
            "email": "mallory@example.com",
            "status": UserStatus.CONFIRMED,
            "enabled": "",
            "username": "mallory",
        }
    )
    assert admin_client.post(user_url, data).status_code == 302
    after = PoolUser.objects.get(pk=alice.pk)
    for field in ("password_hash", "srp_verifier", "attributes", "email", "enabled", "username"):
        assert getattr(after, field) == getattr(before, field), field
    assert passwords.check_user_password(after, USER_PASSWORD)
