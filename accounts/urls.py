"""Hosted UI pages at Cognito's paths (reference §4) and the customization assets."""

from __future__ import annotations

from django.urls import path

from accounts.views import hosted_ui, mfa

app_name = "hosted_ui"

urlpatterns = [
    path("login", hosted_ui.login, name="login"),
    path("signup", hosted_ui.signup, name="signup"),
    path("confirmUser", hosted_ui.confirm_user, name="confirm_user"),
    path("forgotPassword", hosted_ui.forgot_password, name="forgot_password"),
    path(
        "confirmForgotPassword", hosted_ui.confirm_forgot_password, name="confirm_forgot_password"
    ),
    path("resetPassword", hosted_ui.reset_password, name="reset_password"),
    path("error", hosted_ui.error, name="error"),
    path("mfa", mfa.mfa_code, name="mfa"),
    path("mfaOption", mfa.mfa_option, name="mfa_option"),
    path("mfaSetup", mfa.mfa_setup, name="mfa_setup"),
    path("mfaRecoveryCodes", mfa.mfa_recovery_codes, name="mfa_recovery_codes"),
    path(
        "ui/<str:pool_id>/<str:client_id>/style/<str:version>.css",
        hosted_ui.customization_css,
        name="customization_css",
    ),
    path(
        "ui/<str:pool_id>/<str:client_id>/logo/<str:version>",
        hosted_ui.customization_logo,
        name="customization_logo",
    ),
]
