"""Account rules. Services change state, append audit events and queue mail; views commit."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts import sessions
from portal.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.mail import queue_email
from portal.models import Role, SignInSession, UsedToken, User, utcnow
from portal.models.user import new_session_nonce
from portal.tokens import Purpose, TokenInvalid, TokenUsed, load_token, make_token
from portal.urls import external_url


class AccountError(Exception):
    """A rule of the account lifecycle refused the change; the message is shown to the person."""


def normalize_email(address: str) -> str:
    return address.strip().lower()


def find_user_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(address)))


def spend_token(purpose: Purpose, payload: dict) -> None:
    """Record a link as used, in the transaction of the change it makes (single use)."""
    if db.session.get(UsedToken, payload["jti"]) is not None:
        raise TokenUsed()
    db.session.add(UsedToken(jti=payload["jti"], purpose=str(purpose)))
    try:
        db.session.flush()
    except IntegrityError:
        # Two clicks raced; the other one won.
        db.session.rollback()
        raise TokenUsed() from None


def check_unused(payload: dict) -> None:
    if db.session.get(UsedToken, payload["jti"]) is not None:
        raise TokenUsed()


# Registration and email confirmation -----------------------------------------------------------


def register(*, name: str, email: str, password: str, locale: str, notice_version: str) -> None:
    """Create an account and send its confirmation link.

    The outcome looks the same whether or not the address already has an account (no user
    enumeration); the owner of an existing account gets an email telling them instead.
    """
    email = normalize_email(email)
    password_hash = hash_password(password)  # always, so every path takes the same time
    existing = find_user_by_email(email)
    if existing is not None and is_claimable(existing):
        # Staff made this account for a request that came by letter, email or in person: the
        # requests are this address's owner's. Whoever opens the link proves the address and
        # chooses the password there; the password typed here is never used, or anyone who
        # typed this address could take the account over once the owner clicked.
        send_claim_link(existing, locale=locale)
        audit.record("account.register_claimable", subject=existing)
        return
    if existing is not None:
        _tell_owner_address_in_use(existing)
        audit.record("account.register_existing", subject=existing)
        return
    user = User(
        name=name.strip(),
        email=email,
        password_hash=password_hash,
        role=Role.REQUESTER,
        locale=locale,
        notice_version=notice_version,
        notice_acknowledged_at=utcnow(),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("account.registered", actor=user, subject=user, notice_version=notice_version)
    send_confirmation(user)


def _tell_owner_address_in_use(owner: User) -> None:
    """Someone tried to use an address that has an account: tell its owner, not the visitor."""
    queue_email(
        "account_exists",
        to=owner.email,
        user=owner,
        subject=_l("Someone tried to register with your email address"),
        login_url=external_url("auth.login"),
        reset_url=external_url("auth.forgot_password"),
    )


def send_confirmation(user: User, address: str | None = None) -> None:
    """Email a link that confirms ``address`` (the account's own, or a pending new one)."""
    address = address or user.email
    token = make_token(Purpose.CONFIRM_EMAIL, uid=user.id, email=address)
    queue_email(
        "confirm_email",
        to=address,
        user=user,
        subject=_l("Confirm your email address"),
        confirm_url=external_url("auth.confirm_email", token=token),
        max_age_hours=current_app.config["CONFIRM_EMAIL_MAX_AGE"] // 3600,
    )


def resend_confirmation(address: str) -> None:
    """Send a fresh link if the address belongs to an unconfirmed account; silent otherwise."""
    user = find_user_by_email(address)
    if user is not None and is_claimable(user):
        # A confirmed address alone would not let them sign in: they need a password too.
        send_claim_link(user)
        audit.record("account.claim_link_resent", subject=user)
        return
    if user is not None and not user.is_confirmed:
        send_confirmation(user)
        audit.record("account.confirmation_resent", subject=user)
        return
    pending = db.session.scalar(select(User).where(User.pending_email == normalize_email(address)))
    if pending is not None:
        send_confirmation(pending, pending.pending_email)


def resend_confirmation_for_expired(payload: dict) -> None:
    """The link had expired but its signature was good, so its payload names the account."""
    user = db.session.get(User, payload.get("uid"))
    if user is None:
        return
    address = payload.get("email")
    if address == user.email and not user.is_confirmed:
        send_confirmation(user)
    elif address and address == user.pending_email:
        send_confirmation(user, address)


def check_confirmation(token: str) -> tuple[dict, User]:
    """Validate a confirmation link without using it (the GET that shows the button)."""
    payload = load_token(Purpose.CONFIRM_EMAIL, token)
    user = db.session.get(User, payload.get("uid"))
    if user is None:
        raise TokenInvalid()
    check_unused(payload)
    address = payload.get("email")
    if address == user.email and user.is_confirmed:
        raise TokenUsed()
    if address not in (user.email, user.pending_email):
        # The address was changed again since this link was sent.
        raise TokenUsed()
    return payload, user


def confirm_email(token: str) -> User:
    payload, user = check_confirmation(token)
    spend_token(Purpose.CONFIRM_EMAIL, payload)
    address = payload["email"]
    if address == user.pending_email:
        if find_user_by_email(address) is not None:
            raise AccountError(_l("This email address is already in use by another account."))
        old = user.email
        user.email = address
        user.pending_email = None
        user.email_confirmed_at = utcnow()
        audit.record("account.email_changed", actor=user, subject=user, email=[old, address])
    else:
        user.email_confirmed_at = utcnow()
        audit.record("account.email_confirmed", actor=user, subject=user, email=address)
    return user


# An account staff made for a request by letter -------------------------------------------------


def is_claimable(user: User) -> bool:
    """An account manual intake made for a person with an address: no password yet, never
    signed in, not erased. (A staff member's invitation is not claimable this way.)"""
    return (
        user.role is Role.REQUESTER
        and user.password_hash is None
        and user.email is not None
        and user.anonymised_at is None
    )


def send_claim_link(user: User, *, locale: str | None = None) -> None:
    """Email the address a link where its owner chooses a password for the account."""
    token = make_token(
        Purpose.CLAIM_ACCOUNT,
        uid=user.id,
        email=user.email,
        nonce=user.session_nonce,
        locale=locale or user.locale,
    )
    queue_email(
        "account_claim",
        to=user.email,
        user=user,
        locale=locale,
        subject=_l("Finish creating your account"),
        claim_url=external_url("auth.claim_account", token=token),
        max_age_hours=current_app.config["CONFIRM_EMAIL_MAX_AGE"] // 3600,
    )


def check_claim_link(token: str) -> tuple[dict, User]:
    """Validate a claim link without using it (the GET that shows the form)."""
    payload, user = check_password_link(Purpose.CLAIM_ACCOUNT, token)
    if not is_claimable(user) or payload.get("email") != user.email:
        # Claimed already, or the address changed since the link was sent.
        raise TokenUsed()
    return payload, user


def claim_account(token: str, password: str, *, notice_version: str) -> User:
    """The owner of the address chose a password: the account and its requests are theirs."""
    payload, user = check_claim_link(token)
    spend_token(Purpose.CLAIM_ACCOUNT, payload)
    _set_password(user, password)
    now = utcnow()
    user.email_confirmed_at = now  # the link reached the address
    user.notice_version = notice_version
    user.notice_acknowledged_at = now
    if payload.get("locale") in current_app.config["LANGUAGES"]:
        user.locale = payload["locale"]
    audit.record(
        "account.claimed", actor=user, subject=user, email=user.email, notice_version=notice_version
    )
    return user


# Signing in -------------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The user, or None for an unknown address or a wrong password alike.

    The sign-in itself (``account.login``) is recorded when its session starts: for staff, only
    after the second factor.
    """
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        audit.record("account.login_failed", subject=user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# Passwords --------------------------------------------------------------------------------------


def request_password_reset(address: str) -> None:
    """Email a reset link if the address has an account; the page says the same either way."""
    user = find_user_by_email(address)
    if user is None:
        return
    # The nonce in the link dies once the password changes, so an old link cannot be replayed.
    token = make_token(Purpose.RESET_PASSWORD, uid=user.id, nonce=user.session_nonce)
    queue_email(
        "reset_password",
        to=user.email,
        user=user,
        subject=_l("Choose a new password"),
        reset_url=external_url("auth.reset_password", token=token),
        max_age_hours=current_app.config["RESET_PASSWORD_MAX_AGE"] // 3600,
    )
    audit.record("account.password_reset_requested", subject=user)


def check_password_link(purpose: Purpose, token: str) -> tuple[dict, User]:
    payload = load_token(purpose, token)
    user = db.session.get(User, payload.get("uid"))
    if user is None:
        raise TokenInvalid()
    check_unused(payload)
    if payload.get("nonce") != user.session_nonce:
        raise TokenUsed()
    return payload, user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_nonce = new_session_nonce()


def reset_password(token: str, password: str) -> User:
    payload, user = check_password_link(Purpose.RESET_PASSWORD, token)
    spend_token(Purpose.RESET_PASSWORD, payload)
    _set_password(user, password)
    # Following a link sent to the address proves the address, too.
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()
    audit.record("account.password_reset", actor=user, subject=user)
    # Whoever knew the old password is signed out everywhere.
    sessions.end_all(user, "password_changed", actor=user)
    queue_password_changed_notice(user)
    return user


def change_password(
    user: User, current: str, new: str, *, keep: SignInSession | None = None
) -> None:
    """Change the password; every other sign-in ends (``keep`` is the one in use)."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("The current password is not correct."))
    _set_password(user, new)
    audit.record("account.password_changed", actor=user, subject=user)
    sessions.end_all(user, "password_changed", actor=user, keep=keep)
    queue_password_changed_notice(user)


def queue_password_changed_notice(user: User) -> None:
    queue_email(
        "password_changed",
        to=user.email,
        user=user,
        subject=_l("Your password was changed"),
        reset_url=external_url("auth.forgot_password"),
    )


# Profile ----------------------------------------------------------------------------------------


def update_profile(user: User, *, name: str, email: str, locale: str) -> bool:
    """Save the profile. Returns True when a new address awaits confirmation."""
    changes: dict = {}
    name = name.strip()
    if name != user.name:
        changes["name"] = [user.name, name]
        user.name = name
    if locale != user.locale:
        changes["locale"] = [user.locale, locale]
        user.locale = locale
    email = normalize_email(email)
    email_pending = False
    if email != user.email and email != user.pending_email:
        changes["pending_email"] = [user.pending_email, email]
        user.pending_email = email
        email_pending = True
        other = find_user_by_email(email)
        if other is None:
            send_confirmation(user, email)
        else:
            # Say nothing on the page about the other account; its owner gets told instead.
            _tell_owner_address_in_use(other)
    if changes:
        audit.record("account.profile_updated", actor=user, subject=user, **changes)
    return email_pending


def set_locale(user: User, locale: str) -> None:
    if user.locale != locale:
        audit.record(
            "account.profile_updated", actor=user, subject=user, locale=[user.locale, locale]
        )
        user.locale = locale


# Staff ------------------------------------------------------------------------------------------


def create_staff(
    *, email: str, name: str, role: Role = Role.STAFF, locale: str = "fi", actor: User | None = None
) -> User:
    """Create a staff account without a password and email an invitation to set one."""
    if role is Role.REQUESTER:
        raise AccountError(_l("A staff account needs the staff or admin role."))
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(_l("This email address is already in use by another account."))
    user = User(email=email, name=name.strip(), role=role, locale=locale, password_hash=None)
    db.session.add(user)
    db.session.flush()
    audit.record("account.staff_created", actor=actor, subject=user, role=role.value)
    send_invitation(user)
    return user


def send_invitation(user: User) -> None:
    token = make_token(Purpose.INVITATION, uid=user.id, nonce=user.session_nonce)
    queue_email(
        "staff_invitation",
        to=user.email,
        user=user,
        subject=_l("You have been invited to the privacy request portal"),
        invitation_url=external_url("auth.accept_invitation", token=token),
        max_age_days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )


def accept_invitation(token: str, password: str) -> User:
    payload, user = check_password_link(Purpose.INVITATION, token)
    spend_token(Purpose.INVITATION, payload)
    _set_password(user, password)
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()
    audit.record("account.invitation_accepted", actor=user, subject=user)
    sessions.end_all(user, "password_changed", actor=user)
    return user


def resend_invitation_for_expired(payload: dict) -> None:
    user = db.session.get(User, payload.get("uid"))
    if user is not None and user.is_staff and user.password_hash is None:
        send_invitation(user)
