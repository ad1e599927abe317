"""Write a self-signed development signing pair: the PDF signing key and certificate, and the credential key.

For development and tests only: production points CERTIFICATE_SIGNING_KEY,
CERTIFICATE_SIGNING_CHAIN and CREDENTIAL_SIGNING_KEY at the certification body's
real files. Existing files are kept unless --force (a new credential key makes
credentials signed with the old one fail to verify, unless its public half is
listed in CREDENTIAL_RETIRED_PUBLIC_KEYS).
"""

from django.core.management.base import BaseCommand

from certification.certificates import signing
from portal import identity


class Command(BaseCommand):
    help = "Create a self-signed development pair for signing certificate PDFs and credentials (kept if present)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Replace existing key files.")

    def handle(self, *args, force: bool = False, **options):
        pair, written = signing.write_development_pair(body_name=identity.body_name(), force=force)
        verb = "Wrote" if written else "Kept the existing"
        self.stdout.write(
            f"{verb} development signing pair:\n  PDF key    {pair.pdf_key}\n  PDF chain  {pair.pdf_chain}\n"
            f"  credential {pair.credential_key}"
        )
