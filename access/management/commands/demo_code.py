"""manage.py demo_code <username>: the current code of a demo account's authenticator app (demo installations only),
so that a newcomer can pass the second factor without setting up an app."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Toon de huidige code van de tweede factor van een demo-account (alleen op een demo-installatie)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from access.models import User

        if not getattr(settings, "DEMO_ACCOUNTS_ENABLED", False):
            raise CommandError("Demo-accounts staan uit op deze installatie (DEMO_ACCOUNTS_ENABLED).")
        user = User.objects.filter(username=username, is_demo=True).first()
        if user is None:
            raise CommandError(f"Geen demo-account met de gebruikersnaam {username!r}.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
        if device is None:
            raise CommandError(f"{username} heeft (nog) geen authenticator-app: die stelt het platform in bij het "
                               "inloggen.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        seconds_left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(nog {seconds_left} seconden geldig; daarna: opnieuw uitvoeren)")
