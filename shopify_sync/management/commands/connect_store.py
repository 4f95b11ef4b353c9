from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from shopify_sync.crypto import secret_mask
from tenants.models import Tenant
from xeno.terminal import secret_read


class Command(BaseCommand):
    help = "Connects a Shopify store to a tenant and queues its first full sync."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--shop", required=True, help="your-store.myshopify.com")
        typed = "; '-' asks for it instead, so that it stays out of the shell's history"
        parser.add_argument("--token", default="", help=f"legacy custom-app access token{typed}")
        parser.add_argument("--client-id", default="")
        parser.add_argument(
            "--client-secret", default="", help=f"asked for when --client-id comes alone{typed}"
        )
        parser.add_argument(
            "--webhook-secret", default="", help=f"secret that signs webhooks{typed}"
        )
        parser.add_argument("--no-sync", action="store_true", help="do not queue a first sync")

    def handle(self, *args, **options):
        from shopify_sync.services import store_connect

        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug '{options['tenant']}'.")
        for name in ("token", "client_secret", "webhook_secret"):
            asked = options[name] == "-"
            if name == "client_secret" and options["client_id"] and not options[name]:
                asked = True
            if asked:
                options[name] = secret_read(label=f"Shopify {name.replace('_', ' ')}")
        with tenant_context(tenant):
            try:
                store, verdict = store_connect(
                    shop_domain=options["shop"],
                    access_token=options["token"],
                    client_id=options["client_id"],
                    client_secret=options["client_secret"],
                    webhook_secret=options["webhook_secret"],
                    trigger_first_sync=not options["no_sync"],
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        credential = options["token"] or options["client_secret"]
        self.stdout.write(
            f"Connected {store.name} ({store.shop_domain}, {store.currency}, "
            f"{store.iana_timezone}) with {secret_mask(credential)}."
        )
        for sentence in verdict.sentences():
            self.stdout.write(f"Note: {sentence}")
