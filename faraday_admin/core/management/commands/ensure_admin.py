"""`manage.py ensure_admin`: on a fresh install, create the first user; show its password once."""

from django.core.management.base import BaseCommand

from faraday_admin.core.services import admin_user_ensure


class Command(BaseCommand):
    help = (
        "Create the superuser 'admin' (in the Admin role) with a random password when no user "
        "exists, and print the password once. Does nothing when any user exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="User name for the first user.")

    def handle(self, *args, username, **options):
        user, password = admin_user_ensure(username=username)
        if user is None:
            self.stdout.write("A user exists already: no user created, no password shown.")
            return
        rule = "=" * 64
        self.stdout.write(
            "\n".join(
                [
                    rule,
                    "First sign-in for Faraday Connections Admin",
                    f"  User name: {user.get_username()}",
                    f"  Password:  {password}",
                    "This password is shown only this once: keep it in a password manager,",
                    "then sign in and change it at /admin/password_change/.",
                    rule,
                ]
            )
        )
