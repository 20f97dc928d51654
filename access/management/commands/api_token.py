"""manage.py api_token <username> [--revoke]: issue (or rotate) a user's API token; the secret is shown once."""
from django.core.management.base import BaseCommand, CommandError

from access.api import api_token_revoke, api_token_rotate, token_max_age
from access.models import User


class Command(BaseCommand):
    help = "Maak een nieuw API-token voor een gebruiker (vervangt het oude), of trek het in met --revoke."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="Trek het token in zonder een nieuw te maken.")

    def handle(self, *args, username, revoke=False, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Onbekende gebruiker: {username}")
        if revoke:
            done = api_token_revoke(user=user)
            self.stdout.write("API-token ingetrokken." if done else "Deze gebruiker had geen API-token.")
            return
        if not user.is_active:
            raise CommandError("Dit account is niet actief.")
        raw = api_token_rotate(user=user)
        days = token_max_age().days
        self.stdout.write(
            f"Nieuw API-token voor {user.username} (geldig {days} dagen; alleen nu zichtbaar, bewaar het veilig):"
        )
        self.stdout.write(raw)
        self.stdout.write("Gebruik: Authorization: Token <token>")
