"""The programme's rules: voting, fraud checks, background processing, certificates and rate limits."""

from datetime import timedelta
from pathlib import Path

from portal.env import env_bool, env_int, env_list, env_str

from .core import BASE_DIR

# Voting rules.
VOTE_CONFIRM_MAX_AGE = timedelta(hours=env_int("VOTE_CONFIRM_MAX_AGE_HOURS", 48))
# The same confirmation e-mail is not sent again within this time.
VOTE_EMAIL_COOLDOWN = timedelta(seconds=env_int("VOTE_EMAIL_COOLDOWN_SECONDS", 300))
# Vote mails per inbox per day (see nominations/mail_budget.py): what one client network may
# make one inbox receive, and the ceiling over all networks (past it, only a network that
# has sent that inbox nothing today gets one mail, so a stranger cannot shut its owner out).
VOTE_EMAILS_PER_ADDRESS_PER_DAY = env_int("VOTE_EMAILS_PER_ADDRESS_PER_DAY", 10)
VOTE_EMAILS_PER_INBOX_PER_DAY = env_int("VOTE_EMAILS_PER_INBOX_PER_DAY", 30)
# A proof-of-work challenge (its difficulty is an edition setting) must be solved and sent
# within this time; each is accepted once.
ALTCHA_CHALLENGE_MAX_AGE = timedelta(seconds=env_int("ALTCHA_CHALLENGE_MAX_AGE_SECONDS", 1200))
# Domains whose mailboxes ignore dots and "+tags", so one inbox has many spellings.
CANONICAL_DOTLESS_DOMAINS = env_list("CANONICAL_DOTLESS_DOMAINS", "gmail.com,googlemail.com")

# Fraud checks (see the README, "Vote integrity", for what each one catches).
# Per vote: confirmed sooner than this after the first valid link left.
FRAUD_FAST_CONFIRM_SECONDS = env_int("FRAUD_FAST_CONFIRM_SECONDS", 5)
# A vote farm: a network with at least this many votes in an edition, all for one nominee.
FRAUD_FARM_MIN_VOTES = env_int("FRAUD_FARM_MIN_VOTES", 12)
# One user agent on one network on one day from this many voters, all for one nominee.
FRAUD_CLUSTER_MIN_VOTERS = env_int("FRAUD_CLUSTER_MIN_VOTERS", 20)
# An unlisted domain is judged throw-away from this many voters with machine-made names.
FRAUD_THROWAWAY_MIN_VOTERS = env_int("FRAUD_THROWAWAY_MIN_VOTERS", 5)
# Per nominee: the integrity assessment looks at nominees with at least this many confirmed votes.
FRAUD_ASSESS_MIN_VOTES = env_int("FRAUD_ASSESS_MIN_VOTES", 20)

# Background processing: confirmed votes per fraud-check/tally batch, and how
# often beat sweeps up anything whose task never arrived.
TALLY_BATCH_SIZE = env_int("TALLY_BATCH_SIZE", 20000)
# Nominees per transaction of a full recount (each reads its nominees' votes through the covering index).
RECOUNT_CHUNK_NOMINEES = env_int("RECOUNT_CHUNK_NOMINEES", 500)
RECONCILE_EVERY_SECONDS = env_int("RECONCILE_EVERY_SECONDS", 300)
# The outbox relay (nominations/outbox.py): it wakes on NOTIFY, and at least this often on its own
# (the catch-up); a mail handed to a worker but not sent within the lease is handed over again;
# it records a heartbeat for the Background jobs page this often.
OUTBOX_CATCH_UP_SECONDS = env_int("OUTBOX_CATCH_UP_SECONDS", 5)
OUTBOX_MAIL_LEASE = timedelta(seconds=env_int("OUTBOX_MAIL_LEASE_SECONDS", 300))
OUTBOX_HEARTBEAT_SECONDS = env_int("OUTBOX_HEARTBEAT_SECONDS", 5)

# Certificates (see the README, "## Certificates").
# Winners per category of an edition.
CERTIFICATES_PER_CATEGORY = env_int("CERTIFICATES_PER_CATEGORY", 1)
# A certificate is valid from its issue date for this many days (the last day included).
CERTIFICATE_VALIDITY_DAYS = env_int("CERTIFICATE_VALIDITY_DAYS", 365)
# The certificate font: static TrueType files of Source Sans 3 (SIL OFL 1.1) from the npm
# package source-sans (package.json), installed by `npm ci` as Bootstrap is.
CERTIFICATE_FONT_DIR = Path(env_str("CERTIFICATE_FONT_DIR", str(BASE_DIR / "node_modules" / "source-sans" / "TTF")))
# Signing (certification/certificates/signing.py; README "Verifying a certificate"). PEM files:
# the PDF signing key and its certificate chain (signer first), and the Ed25519 key of the
# Open Badges credentials. `manage.py make_signing_key` writes a self-signed development
# pair at these paths (signing/ is ignored by git); production mounts the real ones.
SIGNING_DIR = Path(env_str("SIGNING_DIR", str(BASE_DIR / "signing")))
CERTIFICATE_SIGNING_KEY = Path(env_str("CERTIFICATE_SIGNING_KEY", str(SIGNING_DIR / "pdf-signing-key.pem")))
CERTIFICATE_SIGNING_CHAIN = Path(env_str("CERTIFICATE_SIGNING_CHAIN", str(SIGNING_DIR / "pdf-signing-chain.pem")))
CERTIFICATE_SIGNING_KEY_PASSPHRASE = env_str("CERTIFICATE_SIGNING_KEY_PASSPHRASE", "")
CREDENTIAL_SIGNING_KEY = Path(env_str("CREDENTIAL_SIGNING_KEY", str(SIGNING_DIR / "credential-ed25519-key.pem")))
# Public halves of retired credential keys (PEM paths), still published in the JWKS so that
# credentials they signed keep verifying after a key change.
CREDENTIAL_RETIRED_PUBLIC_KEYS = env_list("CREDENTIAL_RETIRED_PUBLIC_KEYS", "")
# The live badge (/badge/<serial>.svg) may be cached this long by browsers and proxies: a
# revocation shows on firms' sites within this time (at most an hour).
BADGE_MAX_AGE_SECONDS = env_int("BADGE_MAX_AGE_SECONDS", 300)
# Files people upload to the verification page (PDF, PNG, SVG, credential JSON or JWT).
VERIFY_UPLOAD_MAX_BYTES = env_int("VERIFY_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# The invitation link to a firm account works once, for this long.
FIRM_INVITATION_MAX_AGE = timedelta(days=env_int("FIRM_INVITATION_MAX_AGE_DAYS", 7))
# Bump when the logo usage terms change: every firm accepts the new version once.
LOGO_TERMS_VERSION = env_str("LOGO_TERMS_VERSION", "2026-1")
# Firms sign in here (the admin has its own login).
LOGIN_URL = "certification:firm_login"
LOGIN_REDIRECT_URL = "certification:firm_dashboard"

# Per-IP rate limits (portal/ratelimit.py; count/period, e.g. 30/h or 10/5m).
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_NOMINATE = env_str("RATELIMIT_NOMINATE", "10/h")
RATELIMIT_VOTE = env_str("RATELIMIT_VOTE", "1000/h")
RATELIMIT_CONFIRM = env_str("RATELIMIT_CONFIRM", "2000/h")
RATELIMIT_RECEIPT = env_str("RATELIMIT_RECEIPT", "60/h")
# Files checked on the verification page (a PDF signature check costs tens of milliseconds).
RATELIMIT_VERIFY_UPLOAD = env_str("RATELIMIT_VERIFY_UPLOAD", "60/h")
# Proof-of-work challenges: a voter fetches one per form, again after an error or expiry. Every
# vote needs one, so this is no tighter than the vote and nomination limits together: 120/h let
# the 121st voter behind a carrier's address go without, and one person there shut out the rest.
RATELIMIT_CHALLENGE = env_str("RATELIMIT_CHALLENGE", "2000/h")
