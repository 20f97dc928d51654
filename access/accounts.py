"""Account services: creating and changing people, passwords, sessions and API tokens. Each write in one transaction,
each an access event (audit.services.access_event_record); services take the actor, never the HTTP request.

The rule (issue 12, finding 1): an administrator never chooses, sees or receives another person's password.

- A new account has no usable password. The person gets a one-time set-password link at their own e-mail address
  (`password_link_send`); an administrator can send a new link ("Wachtwoordlink sturen"), never the link itself:
  it is not shown, not returned to the view and not logged.
- Sending a link is a reset: the old password stops working at once, every session of that person ends and their
  API token is deleted. Setting a password through the link (`password_set_by_link`) and changing one's own
  password (`password_change_by_self`) end the other sessions and the API token as well.
- A link works once and not for long (SetPasswordLinkGenerator): it is bound to the password hash (so it dies when
  the password changes: when it is used, or when a newer link is sent), to the e-mail address (it dies when the
  address changes) and to settings.PASSWORD_RESET_TIMEOUT.
- The follow-on attack, an administrator who first changes a colleague's e-mail address to their own and then
  sends a link, is met twice: the old address is told about the change at once, and no link is sent to an address
  that somebody other than the person changed less than ACCOUNT_EMAIL_CHANGE_HOLD_HOURS (default 24) ago. The
  person has that long to object before the new address can receive a link; the change and the notice are access
  events, so auditors see them too. (Telling the old address alone would come after the fact: the attacker needs
  only minutes. A new account is not held: its first address is not a change of anybody's address, and a fresh
  account opens nothing until a second administrator approves a grant for it.) Any other way to send a link
  (a "forgot password" page, a command) must go through `password_link_send` and so through the same hold.
"""
import logging
import smtplib
from datetime import timedelta
from importlib import import_module
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from audit.models import AccessEvent
from audit.services import access_event_record

from .api import api_token_revoke
from .models import User

USER_FIELDS = ("username", "first_name", "last_name", "email", "department", "job_title", "phone", "is_active")
DEFAULT_EMAIL_CHANGE_HOLD_HOURS = 24


class SetPasswordLinkGenerator(PasswordResetTokenGenerator):
    """The one-time token in a set-password link. Django's generator with its own salt, so a token made for another
    purpose never passes here. Django binds the token to the password hash, the last login and the e-mail address,
    and lets it expire after settings.PASSWORD_RESET_TIMEOUT."""

    key_salt = "access.accounts.SetPasswordLinkGenerator"


set_password_link_tokens = SetPasswordLinkGenerator()


def email_change_hold() -> timedelta:
    return timedelta(hours=getattr(settings, "ACCOUNT_EMAIL_CHANGE_HOLD_HOURS", DEFAULT_EMAIL_CHANGE_HOLD_HOURS))


def link_valid_for() -> timedelta:
    return timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


# --- creating and changing accounts -------------------------------------------------------------------------------

def _changed_fields(user: User, data: dict) -> list[str]:
    changed = []
    for field in USER_FIELDS:
        if field in data and getattr(user, field) != data[field]:
            changed.append(field)
    return changed


def _field_names(fields) -> str:
    return ", ".join(str(User._meta.get_field(name).verbose_name) for name in fields)


@transaction.atomic
def account_create(*, created_by: User | None, data: dict, site_url: str | None = None) -> User:
    """A new person, without a usable password. With `site_url` (the platform's address) and an active account with
    an e-mail address, the person is mailed their first set-password link at once."""
    user = User()
    for field in USER_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    access_event_record(
        action=AccessEvent.Action.ACCOUNT_CREATE, actor=created_by, obj=user,
        query=_field_names(field for field in USER_FIELDS if data.get(field) not in (None, "")),
    )
    if site_url and user.is_active and user.email:
        password_link_send(sent_by=created_by, user=user, site_url=site_url, welcome=True)
    return user


@transaction.atomic
def account_update(*, changed_by: User | None, user: User, data: dict) -> User:
    """Change a person's details. Which fields changed is an access event (the values are in the change log); a
    changed e-mail address is told to the old address; deactivating ends the sessions and the API token.

    Nobody changes their own account here (an administrator could otherwise re-activate themselves)."""
    if changed_by is not None and user.pk == changed_by.pk:
        raise ValidationError(_("U kunt uw eigen account hier niet wijzigen."))
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = _changed_fields(user, data)
    if not changed:
        return user
    old_email = user.email
    for field in changed:
        setattr(user, field, data[field])
    user.full_clean(exclude=["password"])
    user.save()  # a deactivated person is refused at the next request (has_perm checks is_active)

    details = [field for field in changed if field not in ("is_active", "email")]
    if details:
        access_event_record(action=AccessEvent.Action.ACCOUNT_CHANGE, actor=changed_by, obj=user,
                            query=_field_names(details))
    if "email" in changed:
        access_event_record(action=AccessEvent.Action.EMAIL_CHANGE, actor=changed_by, obj=user,
                            query=_("van %(old)s naar %(new)s") % {"old": old_email or "–", "new": user.email or "–"})
        if old_email:
            _mail(
                to=old_email,
                subject=_("Het e-mailadres van uw account is gewijzigd"),
                template="access/email/email_changed.txt",
                context={"person": user, "changed_by": changed_by, "old_email": old_email, "new_email": user.email,
                         "hold_hours": int(email_change_hold().total_seconds() // 3600)},
            )
    if "is_active" in changed:
        if user.is_active:
            access_event_record(action=AccessEvent.Action.ACCOUNT_REACTIVATE, actor=changed_by, obj=user)
        else:
            access_event_record(action=AccessEvent.Action.ACCOUNT_DEACTIVATE, actor=changed_by, obj=user)
            _end_sessions_and_tokens(user=user, actor=changed_by)
    return user


# --- sessions and tokens ------------------------------------------------------------------------------------------

def _session_store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


def sessions_of(user: User) -> list[str]:
    """The keys of the person's live sessions (sessions kept in the database: the db and cached_db engines)."""
    if not issubclass(_session_store_class(), DatabaseSessionStore):
        return []  # elsewhere the changed password hash alone logs them out (django.contrib.auth.get_user)
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            keys.append(session.session_key)
    return keys


def _end_sessions_and_tokens(*, user: User, actor: User | None, keep_session_key: str | None = None) -> int:
    """Log the person out everywhere (but the session `keep_session_key`) and delete their API token. A changed
    password already makes Django refuse their old sessions; deleting them also covers a reactivated account and
    removes the cached copies at once."""
    store = _session_store_class()
    ended = 0
    for key in sessions_of(user):
        if key != keep_session_key:
            store(session_key=key).delete()
            ended += 1
    api_token_revoke(user=user, actor=actor)  # an access event of its own when there was a token
    access_event_record(action=AccessEvent.Action.SESSIONS_END, actor=actor, obj=user, result_count=ended)
    return ended


# --- set-password links -------------------------------------------------------------------------------------------

def password_link_refusal(*, user: User, sent_by: User | None) -> str | None:
    """Why no link may be sent to `user` now (a sentence), or None."""
    if sent_by is not None and sent_by.pk == user.pk:
        return _("Uw eigen wachtwoord wijzigt u onder ‘Mijn account’.")
    if not user.is_active:
        return _("Dit account is niet actief; activeer het eerst.")
    if not user.email:
        return _("Dit account heeft geen e-mailadres; vul dat eerst in.")
    since = timezone.now() - email_change_hold()
    changed_by_other = (
        AccessEvent.objects.filter(action=AccessEvent.Action.EMAIL_CHANGE, object_type=User._meta.label,
                                   object_id=str(user.pk), occurred_at__gte=since)
        .exclude(actor_id=user.pk)
        .exists()
    )
    if changed_by_other:
        return _(
            "Het e-mailadres van dit account is minder dan %(hours)s uur geleden gewijzigd. Het oude adres is daarover "
            "ingelicht; een wachtwoordlink kan pas na die wachttijd naar het nieuwe adres."
        ) % {"hours": int(email_change_hold().total_seconds() // 3600)}
    return None


def _password_link_path(user: User) -> str:
    """The site-relative set-password link (with a fresh token) for `user`. Only for the e-mail to that person."""
    return reverse("access:password_set", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": set_password_link_tokens.make_token(user),
    })


@transaction.atomic
def password_link_send(*, sent_by: User | None, user: User, site_url: str, welcome: bool = False) -> None:
    """Reset the person's password and mail them a one-time link to set a new one, at their own address.

    At once: the old password stops working, every session ends, the API token is deleted (each an access event).
    `site_url` is the platform's address (the request's host, which Django checks against ALLOWED_HOSTS). The link
    is returned to nobody: only the e-mail holds it. `welcome`: the first link of a new account."""
    user = User.objects.select_for_update().get(pk=user.pk)
    refusal = password_link_refusal(user=user, sent_by=sent_by)
    if refusal:
        raise ValidationError(refusal)
    if not welcome or user.has_usable_password():
        user.set_unusable_password()  # a new random unusable hash: every earlier link dies too
        user.save(update_fields=["password"])
        _end_sessions_and_tokens(user=user, actor=sent_by)
    link = urljoin(site_url, _password_link_path(user))
    access_event_record(action=AccessEvent.Action.PASSWORD_LINK, actor=sent_by, obj=user,
                        query=_("aan %(email)s") % {"email": user.email})
    # Sent inside the transaction: if the mail cannot be sent, nothing changes. Should the transaction still fail
    # afterwards, the link is worthless (it is bound to the password hash that was rolled back).
    _mail(
        to=user.email,
        subject=_("Welkom bij het Veiligheidsplatform: stel uw wachtwoord in") if welcome
        else _("Stel een nieuw wachtwoord in voor het Veiligheidsplatform"),
        template="access/email/password_link.txt",
        context={"person": user, "link": link, "welcome": welcome,
                 "valid_until": timezone.localtime() + link_valid_for()},
    )


@transaction.atomic
def password_set_by_link(*, user: User, password: str, keep_session_key: str | None = None) -> User:
    """The person sets their password through a valid link (checked by the view). Ends their sessions and their API
    token; they log in afterwards as usual (with their second factor, where their roles ask it). `keep_session_key`:
    the browser session the link was opened in, which is not deleted under its feet (if it was logged in as this
    person, the changed password logs it out at its next request all the same)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    access_event_record(action=AccessEvent.Action.PASSWORD_SET, actor=user, obj=user)
    _end_sessions_and_tokens(user=user, actor=user, keep_session_key=keep_session_key)
    return user


@transaction.atomic
def password_change_by_self(*, user: User, password: str, keep_session_key: str | None = None) -> User:
    """A logged-in person changes their own password (the view checked the old one). Their other sessions and their
    API token end; `keep_session_key` is the session they did it in."""
    user = User.objects.select_for_update().get(pk=user.pk)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    access_event_record(action=AccessEvent.Action.PASSWORD_CHANGE, actor=user, obj=user)
    _end_sessions_and_tokens(user=user, actor=user, keep_session_key=keep_session_key)
    return user


def _password_change_window():
    return getattr(settings, "AXES_COOLOFF_TIME", None) or timedelta(minutes=30)


def password_change_failed(*, user: User) -> None:
    """A wrong current password on 'Wachtwoord wijzigen': a refused access event (also what the throttle counts).
    Not inside a transaction that could roll it back."""
    access_event_record(action=AccessEvent.Action.PASSWORD_CHANGE, actor=user, obj=user,
                        outcome=AccessEvent.Outcome.DENIED)


def password_change_blocked(*, user: User) -> bool:
    """Too many wrong current passwords lately (the login's limit and cool-off, settings.AXES_*): somebody with a
    stolen session must not guess the password through this form either."""
    limit = getattr(settings, "AXES_FAILURE_LIMIT", 5)
    failures = AccessEvent.objects.filter(
        action=AccessEvent.Action.PASSWORD_CHANGE, outcome=AccessEvent.Outcome.DENIED, actor_id=user.pk,
        occurred_at__gte=timezone.now() - _password_change_window(),
    ).count()
    return failures >= limit


def _mail(*, to: str, subject: str, template: str, context: dict) -> None:
    """Send one e-mail, or refuse the whole change: a link or notice that cannot be sent must not leave the account
    changed without the person knowing (the caller's transaction rolls back)."""
    body = render_to_string(template, context)
    try:
        send_mail(subject, body, None, [to], fail_silently=False)
    except (OSError, smtplib.SMTPException) as exc:
        logging.getLogger(__name__).warning("Account e-mail not sent: %s", exc)
        raise ValidationError(
            _("De e-mail kon niet worden verstuurd; er is niets gewijzigd. Probeer het later opnieuw.")
        ) from exc
