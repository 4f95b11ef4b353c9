import json
import sys
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from shopify_sync.models import Store, SyncRun
from shopify_sync.selectors import run_summary, store_record_totals
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Queues a sync of a store (all or some resources) and optionally waits for it."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--shop", required=True)
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--full", action="store_true")
        kind.add_argument("--incremental", action="store_true")
        parser.add_argument("--resources", default="customers,products,orders")
        parser.add_argument("--wait", action="store_true", help="show progress, print a summary")

    def handle(self, *args, **options):
        from shopify_sync.services import sync_request

        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug '{options['tenant']}'.")
        with tenant_context(tenant):
            store = Store.objects.filter(shop_domain=options["shop"].lower()).first()
            if store is None:
                raise CommandError(f"{options['shop']} is not connected to {tenant.slug}.")
            kind = SyncRun.Kind.INCREMENTAL if options["incremental"] else SyncRun.Kind.FULL
            resources = [r.strip() for r in options["resources"].split(",") if r.strip()]
            try:
                run, created = sync_request(store=store, kind=kind, resources=resources)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            if not created:
                self.stderr.write(f"A sync of these resources is already running: run {run.pk}.")
            if not options["wait"]:
                self.stdout.write(json.dumps({"run_id": run.pk, "status": run.status}))
                return
            run = self._wait(run)
            totals = store_record_totals(store=store)
            self.stdout.write(json.dumps(run_summary(run=run, totals=totals)))
            if run.status == SyncRun.Status.FAILED:
                sys.exit(1)

    def _wait(self, run: SyncRun) -> SyncRun:
        while run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING):
            time.sleep(1)
            run.refresh_from_db()
            total = run.progress_total or 0
            share = f"{100 * run.progress_done / total:5.1f}%" if total else "  ... "
            self.stderr.write(f"\r{run.status:>9} {share} {run.progress_done} objects", ending="")
        self.stderr.write("")
        return run
