"""Django's database sessions, with the per-request lookup compiled once per process (veiligheid.prepared).

Every request of a logged-in user reads its session first; the ORM compiled that query anew each time.
Behaviour is Django's own: an unknown or expired key gives an empty session.
"""
import datetime as dt

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from .prepared import PreparedQuery

_SESSION = PreparedQuery(
    lambda session_key, now: Session.objects.filter(session_key=session_key, expire_date__gt=now)[:1],
    session_key=str,
    now=dt.datetime,
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        found = _SESSION.instances(session_key=self.session_key, now=timezone.now())
        if not found:
            self._session_key = None
            return None
        return found[0]
