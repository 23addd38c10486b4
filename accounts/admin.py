"""The admin console for pools, pool users, groups, the audit log and the mail outbox.

Every change to a pool user goes through the same services the JSON API calls (disable
revokes tokens, delete cleans up, …), so the console can never leave a user in a state the
API could not. Password hashes, SRP verifiers and mail bodies (which carry codes and
temporary passwords) are never rendered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from accounts.models import (
    AuditEvent,
    DeletionProtection,
    Group,
    GroupMembership,
    OutboxMessage,
    PoolUser,
    UserPool,
)
from accounts.services import groups as group_services
from accounts.services import lockout
from accounts.services import pools as pool_services
from accounts.services import users as user_services
from core.errors import CognitoError


def pretty_json(value: Any) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the application itself: viewable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeleteThroughServiceMixin:
    """Deleting in the console runs the Delete* service, which takes dependent rows (tokens,
    memberships, users of a pool) with it exactly as the API does. So the operator needs
    delete permission on the object alone, not on every dependent model as Django's default
    asks, and the confirmation page summarises the dependents by count instead of listing a
    pool's 100,000 users one by one."""

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        _listed, model_count, _perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        return [str(obj) for obj in objs], model_count, set(), protected


def console_actor(request: HttpRequest) -> str:
    return f"console:{request.user.get_username()}"


def check_like_the_api(operation: str, params: dict[str, Any]) -> None:
    """Refuse, as a form error, a value the API operation's botocore input shape refuses
    (patterns, lengths): what the console stores must stay addressable by the API."""
    # Imported here: api builds on accounts, so accounts must not import it at load time.
    from api import registry
    from api.validation import validate_input

    present = {name: value for name, value in params.items() if value not in (None, "")}
    try:
        validate_input(present, registry.operation_model(registry.IDP, operation).input_shape)
    except CognitoError as exc:
        raise forms.ValidationError(exc.message) from exc


def count_of(model: type[Any], fk_name: str) -> Coalesce:
    """How many ``model`` rows point at each listed row, as a correlated subquery: counting
    two relations through joins (users and groups of a pool) would first build every
    user-group pair."""
    counts = (
        model.objects.filter(**{fk_name: OuterRef("pk")})
        .order_by()
        .values(fk_name)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counts), 0)


# --- pools --------------------------------------------------------------------------------
def _pool_link(model_name: str, pool: UserPool, count: int, noun: str) -> str:
    changelist = reverse(f"admin:accounts_{model_name}_changelist")
    query = urlencode({"pool__id__exact": pool.pk})
    return format_html('<a href="{}?{}">{} {}</a>', changelist, query, count, noun)


class UserPoolForm(forms.ModelForm):
    class Meta:
        model = UserPool
        fields = ("name", "deletion_protection", "reject_common_passwords")

    def clean_name(self) -> str:
        # A name UserPoolNameType refuses would make every DescribeUserPool → UpdateUserPool
        # round trip (Terraform, the AWS console's habit) fail on its own PoolName.
        name: str = self.cleaned_data["name"]
        check_like_the_api("UpdateUserPool", {"UserPoolId": self.instance.id, "PoolName": name})
        return name


@admin.register(UserPool)
class UserPoolAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    """Pools are created with CreateUserPool (defaults and validation live there); the
    console renames them, toggles deletion protection and shows the rest.

    Its users and groups are links to their lists filtered by the pool, not inlines: an
    inline posts two fields a group, and past 500 groups the form exceeded Django's 1,000
    posted fields (DATA_UPLOAD_MAX_NUMBER_FIELDS), so the pool could no longer be saved."""

    form = UserPoolForm

    list_display = ("id", "name", "mfa_configuration", "user_count", "group_count", "created")
    search_fields = ("id", "name")
    list_filter = ("mfa_configuration", "deletion_protection")
    fields = (
        "id",
        "arn",
        "name",
        "deletion_protection",
        "reject_common_passwords",
        "mfa_configuration",
        "user_count",
        "group_count",
        "created",
        "modified",
        "username_attributes",
        "alias_attributes",
        "auto_verified_attributes",
        "password_policy_display",
        "custom_schema_display",
        "tags_display",
    )
    readonly_fields = (
        "id",
        "arn",
        "mfa_configuration",
        "user_count",
        "group_count",
        "created",
        "modified",
        "username_attributes",
        "alias_attributes",
        "auto_verified_attributes",
        "password_policy_display",
        "custom_schema_display",
        "tags_display",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[UserPool]:
        return (
            super()
            .get_queryset(request)
            .annotate(users_total=count_of(PoolUser, "pool"), groups_total=count_of(Group, "pool"))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: UserPool | None = None) -> bool:
        # DeleteUserPool refuses a pool with deletion protection on; so does the console.
        if obj is not None and obj.deletion_protection == DeletionProtection.ACTIVE:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: UserPool, form: Any, change: bool) -> None:
        obj.modified = timezone.now()
        super().save_model(request, obj, form, change)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        # Django then refuses the whole deletion and names these pools, as DeleteUserPool
        # refuses a pool whose deletion protection is active.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = [
            *protected,
            *(
                f"{pool} has deletion protection"
                for pool in objs
                if pool.deletion_protection == DeletionProtection.ACTIVE
            ),
        ]
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: UserPool) -> None:
        pool_services.delete_user_pool(pool=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[UserPool]) -> None:
        for pool in queryset:
            try:
                pool_services.delete_user_pool(pool=pool)
            except CognitoError as exc:
                self.message_user(
                    request, f"{pool.id}: {exc.type_name}: {exc.message}", messages.ERROR
                )

    @admin.display(description="users", ordering="users_total")
    def user_count(self, obj: UserPool) -> str:
        return _pool_link("pooluser", obj, int(obj.users_total), "user(s)")  # type: ignore[attr-defined]

    @admin.display(description="groups", ordering="groups_total")
    def group_count(self, obj: UserPool) -> str:
        return _pool_link("group", obj, int(obj.groups_total), "group(s)")  # type: ignore[attr-defined]

    @admin.display(description="ARN")
    def arn(self, obj: UserPool) -> str:
        return obj.arn

    @admin.display(description="password policy")
    def password_policy_display(self, obj: UserPool) -> SafeString:
        return pretty_json(obj.password_policy)

    @admin.display(description="custom attributes")
    def custom_schema_display(self, obj: UserPool) -> SafeString:
        return pretty_json(obj.custom_schema)

    @admin.display(description="tags")
    def tags_display(self, obj: UserPool) -> SafeString:
        return pretty_json(obj.tags)


# --- memberships (inline on both sides) -----------------------------------------------------
class MembershipForm(forms.ModelForm):
    class Meta:
        model = GroupMembership
        fields = ("group", "user")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        group, user = cleaned.get("group"), cleaned.get("user")
        # AdminAddUserToGroup only ever joins a user to a group of the same pool.
        if group is not None and user is not None and group.pool_id != user.pool_id:
            raise forms.ValidationError("The user and the group belong to different pools.")
        return cleaned


class MembershipThroughServiceMixin:
    """Membership rows edited inline are joined and left through AdminAddUserToGroup and
    AdminRemoveUserFromGroup's services (which record the change), not saved directly."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not GroupMembership:
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        parent, fk_name = formset.instance, formset.fk.name

        def pair(row: forms.ModelForm) -> tuple[Group, PoolUser]:
            group = parent if fk_name == "group" else row.cleaned_data["group"]
            user = parent if fk_name == "user" else row.cleaned_data["user"]
            return group, user

        # Read by construct_change_message for the admin's history, as formset.save() sets.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.initial_forms:
            deleted = row in formset.deleted_forms
            if not deleted and not row.has_changed():
                continue
            before = (
                GroupMembership.objects.select_related("group__pool", "user")
                .filter(pk=row.instance.pk)
                .first()
            )
            if before is not None:
                group_services.admin_remove_user_from_group(group=before.group, user=before.user)
                formset.deleted_objects.append(before)
            if not deleted:
                group, user = pair(row)
                group_services.admin_add_user_to_group(group=group, user=user)
                formset.new_objects.append(GroupMembership(group=group, user=user))
        for row in formset.extra_forms:
            if row.has_changed() and row not in formset.deleted_forms:
                group, user = pair(row)
                group_services.admin_add_user_to_group(group=group, user=user)
                formset.new_objects.append(GroupMembership(group=group, user=user))


class GroupMembershipOnUserInline(admin.TabularInline):
    model = GroupMembership
    form = MembershipForm
    fk_name = "user"
    fields = ("group", "created")
    readonly_fields = ("created",)
    raw_id_fields = ("group",)
    extra = 0
    verbose_name = "group membership"


# --- pool users -------------------------------------------------------------------------------
def _sign_out_everywhere(*, user: PoolUser, actor: str) -> None:
    # Imported here: oauth builds on accounts, so accounts must not import it at load time.
    from oauth.services import tokens

    tokens.global_sign_out(user, actor=actor)


def _per_user_action(
    verb: str, operation: Callable[..., object]
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[PoolUser]], None]:
    """An admin action calling ``operation(user=, actor=)`` (the service behind the matching
    Admin* API operation) once per selected user, and reporting each outcome."""

    def run(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PoolUser]
    ) -> None:
        actor = console_actor(request)
        for user in queryset.select_related("pool"):
            try:
                operation(user=user, actor=actor)
            except CognitoError as exc:
                modeladmin.message_user(
                    request, f"{user.username}: {exc.type_name}: {exc.message}", messages.ERROR
                )
            else:
                modeladmin.message_user(request, f"{verb} {user.username}.", messages.SUCCESS)

    return run


class GroupMemberFilter(admin.SimpleListFilter):
    """``?group=<id>``: the members of one group, linked from the group's page. It lists no
    choices of its own (every group of every pool would not fit the sidebar), so it shows
    only while set."""

    title = "group"
    parameter_name = "group"

    def _group(self) -> Group | None:
        value = self.value() or ""
        # A primary key, not any digit string: '²' or 30 digits would fail in the database.
        if not (value.isascii() and value.isdigit() and len(value) < 19):
            return None
        return Group.objects.select_related("pool").filter(pk=int(value)).first()

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # Django applies only filters with choices: an unknown id must still filter (to
        # nobody) rather than silently list every user.
        value = self.value()
        if value is None:
            return []
        group = self._group()
        return [(value, "no such group" if group is None else str(group))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PoolUser]) -> Any:
        if self.value() is None:
            return queryset
        group = self._group()
        return queryset.none() if group is None else queryset.filter(groups=group)


@admin.register(PoolUser)
class PoolUserAdmin(MembershipThroughServiceMixin, DeleteThroughServiceMixin, admin.ModelAdmin):
    """Users are created with AdminCreateUser or SignUp; the console views them, manages
    group memberships, and changes state only through the actions below."""

    list_display = ("username", "email", "phone_number", "pool", "status", "enabled", "created")
    list_filter = ("status", "enabled", "pool", GroupMemberFilter)
    search_fields = ("username", "email", "phone_number", "sub")
    list_select_related = ("pool",)
    show_full_result_count = False  # COUNT(*) over a 100k-user pool on every page is waste
    # The password hash, SRP salt and verifier are never rendered: listing only safe fields.
    fields = (
        "username",
        "sub",
        "pool",
        "status",
        "enabled",
        "attributes_table",
        "email_verified",
        "phone_number_verified",
        "password_set_at",
        "temporary_password_expires",
        "tokens_valid_after",
        "created",
        "modified",
    )
    readonly_fields = fields
    inlines = (GroupMembershipOnUserInline,)
    actions = (
        "disable_users",
        "enable_users",
        "confirm_users",
        "reset_passwords",
        "sign_out_everywhere",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PoolUser], search_term: str
    ) -> tuple[QuerySet[PoolUser], bool]:
        """A prefix of the username, email or phone number, or an exact sub: what the
        (pool, column) indexes ListUsers uses can answer. Django's default, UPPER(column)
        LIKE '%term%' on each column, reads every user of every pool."""
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q()
        for variant in {term, term.lower()}:
            condition |= Q(username_key__startswith=variant) | Q(email__startswith=variant)
        if term.startswith("+") or term.isdigit():
            condition |= Q(phone_number__startswith="+" + term.lstrip("+"))
        with contextlib.suppress(ValueError):
            condition |= Q(sub=uuid.UUID(term))
        # Naming the pools gives each index its leading column (pool_id = ANY(...)).
        pool_ids = list(UserPool.objects.values_list("id", flat=True))
        return queryset.filter(condition, pool_id__in=pool_ids), False

    @admin.display(description="attributes")
    def attributes_table(self, obj: PoolUser) -> SafeString:
        rows = sorted(obj.all_attributes().items())
        return format_html(
            "<table><thead><tr><th>name</th><th>value</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )

    # Each action delegates to the service the matching Admin* API operation uses. Django
    # offers an action without ``permissions`` to anyone who may view the list, so each one
    # asks for change permission: a view-only operator must not disable or sign out users.
    disable_users = admin.action(description="Disable selected users", permissions=["change"])(
        _per_user_action("Disabled", user_services.admin_disable_user)
    )
    enable_users = admin.action(description="Enable selected users", permissions=["change"])(
        _per_user_action("Enabled", user_services.admin_enable_user)
    )
    confirm_users = admin.action(
        description="Confirm sign-up of selected users", permissions=["change"]
    )(_per_user_action("Confirmed", user_services.admin_confirm_sign_up))
    reset_passwords = admin.action(
        description="Reset passwords of selected users", permissions=["change"]
    )(_per_user_action("Reset the password of", user_services.admin_reset_user_password))
    sign_out_everywhere = admin.action(
        description="Sign selected users out everywhere", permissions=["change"]
    )(_per_user_action("Signed out", _sign_out_everywhere))

    def delete_model(self, request: HttpRequest, obj: PoolUser) -> None:
        user_services.admin_delete_user(user=obj, actor=console_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PoolUser]) -> None:
        # Django's "delete selected" confirmation page, but each row goes through
        # AdminDeleteUser's service rather than a bulk SQL delete.
        _per_user_action("Deleted", user_services.admin_delete_user)(self, request, queryset)


# --- groups -----------------------------------------------------------------------------------
# PrecedenceType is a 32-bit integer on the wire (the model gives only its minimum, 0).
MAX_GROUP_PRECEDENCE = 2**31 - 1


class GroupForm(forms.ModelForm):
    precedence = forms.IntegerField(required=False, min_value=0, max_value=MAX_GROUP_PRECEDENCE)

    class Meta:
        model = Group
        fields = ("name", "pool", "description", "precedence", "role_arn")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        name = cleaned.get("name", self.instance.name)
        pool = cleaned.get("pool") or getattr(self.instance, "pool", None)
        if name and pool is not None:
            check_like_the_api(
                "CreateGroup",
                {
                    "GroupName": name,
                    "UserPoolId": pool.id,
                    "Description": cleaned.get("description"),
                    "RoleArn": cleaned.get("role_arn"),
                },
            )
        return cleaned


@admin.register(Group)
class GroupAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    """Created, updated and deleted through CreateGroup / UpdateGroup / DeleteGroup's
    services, so the console keeps their checks and records what the API records.

    Members are listed on the users page (``?group=``) and joined or left on each user's
    page: an inline of every member made a group of a few hundred users a page of one
    query per member, and past ~330 members its form exceeded Django's 1,000 posted fields
    (DATA_UPLOAD_MAX_NUMBER_FIELDS), so the group could no longer be saved at all."""

    form = GroupForm
    list_display = ("name", "pool", "precedence", "member_count", "created")
    list_filter = ("pool",)
    search_fields = ("name", "description")
    list_select_related = ("pool",)
    fields = (
        "name",
        "pool",
        "description",
        "precedence",
        "role_arn",
        "member_list",
        "created",
        "modified",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).annotate(members_total=Count("members"))

    def get_readonly_fields(self, request: HttpRequest, obj: Group | None = None) -> list[str]:
        # A group's name and pool are its identity in Cognito (UpdateGroup cannot rename).
        fixed = ["member_list", "created", "modified"]
        return fixed if obj is None else ["name", "pool", *fixed]

    def save_model(self, request: HttpRequest, obj: Group, form: Any, change: bool) -> None:
        if change:
            group_services.update_group(
                group=obj,
                description=obj.description,
                role_arn=obj.role_arn,
                precedence=obj.precedence,
            )
            return
        created = group_services.create_group(
            pool=obj.pool,
            name=obj.name,
            description=obj.description,
            role_arn=obj.role_arn,
            precedence=obj.precedence,
        )
        # The inlines and the admin's redirect read the saved row through ``obj``.
        obj.pk, obj.created, obj.modified = created.pk, created.created, created.modified
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Group) -> None:
        group_services.delete_group(group=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Group]) -> None:
        for group in queryset.select_related("pool"):
            group_services.delete_group(group=group)

    @admin.display(description="members", ordering="members_total")
    def member_count(self, obj: Group) -> int:
        return int(obj.members_total)  # type: ignore[attr-defined]

    @admin.display(description="members")
    def member_list(self, obj: Group) -> str:
        if obj.pk is None:
            return "-"
        users = reverse("admin:accounts_pooluser_changelist")
        total = getattr(obj, "members_total", None)
        label = "list the members" if total is None else f"{total} member(s)"
        return format_html('<a href="{}?{}">{}</a>', users, urlencode({"group": obj.pk}), label)


# --- audit log and outbox ---------------------------------------------------------------------
@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created", "event", "pool", "user", "actor")
    list_filter = ("event",)
    search_fields = ("event", "actor", "user__username", "pool__id")
    list_select_related = ("pool", "user")
    date_hierarchy = "created"
    fields = ("created", "event", "pool", "user", "actor", "details_display")
    readonly_fields = fields

    @admin.display(description="details")
    def details_display(self, obj: AuditEvent) -> SafeString:
        return pretty_json(obj.details)


class OutboxStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("sent", "sent"), ("pending", "pending"), ("failing", "failing")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> Any:
        if self.value() == "sent":
            return queryset.filter(sent__isnull=False)
        if self.value() == "pending":
            return queryset.filter(sent__isnull=True, attempts=0)
        if self.value() == "failing":
            return queryset.filter(sent__isnull=True, attempts__gt=0)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Delivery state only: bodies carry verification codes and temporary passwords."""

    list_display = (
        "created",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "short_error",
        "sent",
    )
    list_filter = (OutboxStatusFilter, "channel")
    search_fields = ("recipient", "subject")
    fields = (
        "created",
        "pool",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "next_attempt",
        "sent",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description="status")
    def status(self, obj: OutboxMessage) -> str:
        if obj.sent:
            return "sent"
        return "failing" if obj.attempts else "pending"

    @admin.display(description="last error")
    def short_error(self, obj: OutboxMessage) -> str:
        return Truncator(obj.last_error).chars(80)


# --- console sign-in ------------------------------------------------------------------------
CONSOLE_LOCKED_MESSAGE = "Too many failed sign-in attempts. Try again later."


def console_lockout_subject(username: str) -> str:
    digest = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
    return f"console:name:{digest}"


class ConsoleAuthenticationForm(AdminAuthenticationForm):
    """The console's sign-in form with the pools' lockout (accounts.services.lockout): after
    five wrong passwords for a name each further one locks it for a doubling wait, and a
    locked name is refused without its password being checked. Django's own form lets a
    guesser try console passwords — the most powerful accounts here — without limit."""

    def clean(self) -> dict[str, Any]:
        subject = console_lockout_subject(self.cleaned_data.get("username") or "")
        if lockout.locked_for(subject) > 0:
            raise forms.ValidationError(CONSOLE_LOCKED_MESSAGE, code="locked")
        try:
            cleaned: dict[str, Any] = super().clean()
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                lockout.record_failure(subject)
            raise
        lockout.record_success(subject)
        return cleaned


admin.site.login_form = ConsoleAuthenticationForm
