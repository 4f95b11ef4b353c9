from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.template_schema import tenant_template_migrate


class Command(BaseCommand):
    help = "Migrates the public schema, the tenant template schema and every tenant schema."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        tenant_template_migrate(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
