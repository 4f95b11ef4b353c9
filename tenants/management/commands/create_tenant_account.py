from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.services import user_create
from tenants.hosts import tenant_host_url
from tenants.services import tenant_create
from xeno.terminal import secret_read


class Command(BaseCommand):
    help = "Creates a tenant (schema, host name) with its owner account."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="host name label and schema name")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument(
            "--owner-password",
            default="",
            help="asked for when left out, so that it stays out of the shell's history",
        )
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--currency", default="USD")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                email = options["owner_email"].strip().lower()
                owner = User.objects.filter(email=email).first() or user_create(
                    email=email,
                    password=options["owner_password"] or secret_read(label="Owner's password"),
                )
                tenant = tenant_create(
                    name=options["name"],
                    slug=options["slug"],
                    timezone=options["timezone"],
                    currency=options["currency"],
                    owner=owner,
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Created tenant {tenant.slug}: {tenant_host_url(tenant)}")
