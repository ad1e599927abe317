"""Give the database role the web, worker and beat log in as the rights they need, and no more (PostgreSQL).

Run by the owner (the role that migrates) after every `migrate`; safe to run again.
The app's role owns nothing, so it cannot ALTER, DROP or TRUNCATE a table, disable
a trigger or set session_replication_role (superuser only); on the audit log it may
only read and append. Tables a later migration creates get the usual rights at once
(ALTER DEFAULT PRIVILEGES); this command, run after it, takes them back where a table
is append-only.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit.models import AuditEntry

# Read and append only: the database's triggers refuse the rest anyway, to the owner as well.
APPEND_ONLY_TABLES = (AuditEntry._meta.db_table,)


class Command(BaseCommand):
    help = (
        "Create or update the app's database role: DML on the tables (only SELECT and INSERT on the audit log), no DDL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", default="portal_app", help="The role the app logs in as (default portal_app).")
        parser.add_argument(
            "--password-env",
            default="APP_DB_PASSWORD",
            metavar="NAME",
            help="The environment variable holding its password (default APP_DB_PASSWORD); "
            "if set, the role's password is set to it (a new role is created with it).",
        )

    def handle(self, *args, role, password_env, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL.")
        password = os.environ.get(password_env, "")
        with transaction.atomic(), connection.cursor() as cursor:
            self._create_or_check(cursor, role, password)
            for statement in self._grants(cursor, connection.ops.quote_name(role)):
                cursor.execute(statement)
        self.stdout.write(
            f"Role {role}: read and write on the tables, read and append on {', '.join(APPEND_ONLY_TABLES)}."
        )

    def _create_or_check(self, cursor, role: str, password: str) -> None:
        name = connection.ops.quote_name(role)
        cursor.execute(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls, "
            "pg_has_role(oid, current_user, 'MEMBER'), "
            "EXISTS (SELECT 1 FROM pg_class WHERE relowner = pg_roles.oid) "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
        else:
            privileged, member_of_owner, owns_tables = row
            if privileged or member_of_owner or owns_tables:
                raise CommandError(
                    f"Role {role} is a superuser, may create roles or databases, is the owner (or a member of it) "
                    "or owns tables: the app must log in as a role without these."
                )
        if password:
            cursor.execute(f"ALTER ROLE {name} LOGIN PASSWORD %s", [password])

    def _grants(self, cursor, name: str) -> list[str]:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = (connection.ops.quote_name(value) for value in cursor.fetchone())
        statements = [
            f"GRANT CONNECT ON DATABASE {database} TO {name}",
            # Before PostgreSQL 15 every role could create tables in the public schema.
            f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
            f"REVOKE ALL ON SCHEMA {schema} FROM {name}",
            f"GRANT USAGE ON SCHEMA {schema} TO {name}",
            # ALL first: no TRUNCATE, REFERENCES or TRIGGER left over from an earlier grant.
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {name}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
            *(
                f"REVOKE UPDATE, DELETE ON {connection.ops.quote_name(table)} FROM {name}"
                for table in APPEND_ONLY_TABLES
            ),
            # USAGE gives nextval; setval would need UPDATE.
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {name}",
        ]
        return statements
