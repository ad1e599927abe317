"""The shape docker-compose.yml and the Dockerfile describe, checked without a Docker engine.

docker-compose.yml is parsed (PyYAML) and interpolated with .env.example's values, as
`docker compose up` would run it after `cp .env.example .env`, and validated against the
compose-spec JSON schema. tests/production runs the same Dockerfile lines and nginx
template for real.
"""

import re
import shlex

import jsonschema
import pytest

from portal.background import QUEUES, TASKS
from tests.production import compose, stack

ROOT = compose.ROOT
WORKERS_LONG_RUNNING = {"web", "proxy", "postgres", "redis", "relay", "beat"}


@pytest.fixture(scope="module")
def services():
    return compose.services()


def workers(services) -> dict[str, list[str]]:
    """Celery worker services: {name: the queues its -Q names}."""
    found = {}
    for name, service in services.items():
        words = compose.command_words(service)
        if words[:4] == ["celery", "-A", "portal", "worker"]:
            assert "-Q" in words, f"{name} consumes Celery's default queue, which no task is routed to"
            found[name] = words[words.index("-Q") + 1].split(",")
    return found


def port_of(address: str) -> str:
    return address.rsplit(":", 1)[1]


def test_the_file_is_valid_against_the_compose_spec_schema():
    schema = compose.compose_spec_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(compose.raw()), key=lambda error: list(error.absolute_path))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def test_the_schema_check_catches_a_misspelt_key():
    schema = compose.compose_spec_schema()
    broken = {"services": {"web": {"image": "portal", "port": ["8000:8000"]}}}
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(broken))


def test_it_runs_with_the_values_of_env_example():
    """`cp .env.example .env && docker compose up`: every ${...} the file needs is set (no `:?` stop)."""
    compose.resolved()


def test_only_the_proxy_publishes_ports_and_it_is_nginx(services):
    published = sorted(name for name, service in services.items() if service.get("ports"))
    assert published == ["proxy"]
    assert services["proxy"]["image"].startswith("nginx:")
    assert {port.rsplit(":", 1)[1] for port in services["proxy"]["ports"]} == {"80", "443"}
    assert not any("network_mode" in service for service in services.values()), "host networking publishes all"


def test_gunicorn_is_reached_only_by_the_proxy_on_the_port_it_listens_on(services):
    web, env = services["web"], compose.env_example()
    assert "ports" not in web
    assert "command" not in web, "web runs the Dockerfile's CMD, the line tests/production runs"
    listens = port_of(env["GUNICORN_BIND"])
    assert web["expose"] == [listens]
    upstreams = services["proxy"]["environment"]["PORTAL_UPSTREAM_SERVERS"]
    assert upstreams == f"server web:{listens};"
    assert f"127.0.0.1:{listens}/healthz/" in " ".join(web["healthcheck"]["test"])
    assert re.search(rf"^EXPOSE {listens}$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)


def test_trusted_proxy_count_matches_the_one_proxy_that_overwrites_forwarded_headers(services):
    """One hop sets X-Forwarded-For before gunicorn: nginx, which replaces what the client sent."""
    assert compose.env_example()["TRUSTED_PROXY_COUNT"] == "1"
    for name, service in services.items():
        assert "TRUSTED_PROXY_COUNT" not in service.get("environment", {}), f"{name} overrides it"
    template = compose.nginx_template().read_text()
    assert template.count("proxy_set_header X-Forwarded-For $remote_addr;") == 1
    assert template.count("proxy_set_header X-Forwarded-Proto $scheme;") == 1
    assert "proxy_add_x_forwarded_for" not in template
    assert "real_ip_header" not in template, "a second hop: raise TRUSTED_PROXY_COUNT or say why not"
    # Plain HTTP is only redirected, never passed to the app with the client's own headers.
    plain_server = template.split("server {", 2)[1]
    assert "proxy_pass" not in plain_server and "return 301 https://" in plain_server


def test_the_proxy_buffers_slow_clients_and_serves_nothing_itself():
    template = compose.nginx_template().read_text()
    for directive in (
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_header_timeout",
        "ssl_certificate ",
    ):
        assert directive in template
    assert not re.search(r"^\s*(root|alias|autoindex)\b", template, re.MULTILINE)


def test_the_proxy_sets_every_name_its_template_and_entrypoint_script_use(services):
    proxy = services["proxy"]
    names = set(compose.raw()["services"]["proxy"]["environment"])
    template_names = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", compose.nginx_template().read_text()))
    script = compose.mounted_file("proxy", compose.NGINX_ENTRYPOINT_SCRIPTS)
    script_names = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", script.read_text()))
    assert template_names <= names
    assert script_names <= names
    assert names <= template_names | script_names, "set but used nowhere"
    # The certificate folder is mounted where the template's paths point.
    assert compose.mounts(proxy)["/etc/nginx/certs"] == "./deploy/certs"
    assert proxy["environment"]["NGINX_CERTIFICATE"].startswith("/etc/nginx/certs/")


def test_the_smoke_test_runs_the_nginx_template_the_proxy_mounts():
    assert compose.nginx_template() == (ROOT / "deploy/nginx/portal.conf.template").resolve()
    # Rendering fails on any upper-case name left unset (stack.render_template).
    stack.render_template(
        compose.nginx_template().read_text(), {name: "x" for name in compose.services()["proxy"]["environment"]}
    )
    with pytest.raises(AssertionError, match="NGINX_CERTIFICATE"):
        stack.render_template(compose.nginx_template().read_text(), {})


def test_each_queue_has_a_worker_and_every_task_a_queue(services):
    consumed = workers(services)
    queues = [queue for names in consumed.values() for queue in names]
    assert sorted(queues) == sorted(QUEUES), consumed
    assert {limits.queue for limits in TASKS.values()} <= set(queues)


def test_the_outbox_relay_and_exactly_one_beat_run(services):
    assert [compose.command_words(s) for s in services.values()].count(["python", "manage.py", "outbox_relay"]) == 1
    beats = [name for name, s in services.items() if compose.command_words(s)[:4] == ["celery", "-A", "portal", "beat"]]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_every_long_running_service_has_a_health_check(services):
    long_running = WORKERS_LONG_RUNNING | set(workers(services))
    assert long_running <= set(services)
    missing = sorted(name for name in long_running if not services[name].get("healthcheck", {}).get("test"))
    assert not missing
    # Each worker's check pings that worker by the node name it starts with.
    for name in workers(services):
        words = compose.command_words(services[name])
        node = words[words.index("-n") + 1].split("@")[0]
        assert f"-d {node}@" in " ".join(services[name]["healthcheck"]["test"])


def test_the_app_waits_for_the_migration_and_the_proxy_for_a_healthy_web(services):
    app = [name for name, s in services.items() if s.get("build") == "." and name != "migrate"]
    assert set(app) >= {"web", "relay", "beat", *workers(services)}
    for name in app:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}
    assert "migrate" in " ".join(compose.command_words(services["migrate"]))


def test_the_app_reads_env_example_and_its_folders_are_the_volumes(services):
    env = compose.env_example()
    for name, service in services.items():
        if service.get("build") == ".":
            assert service["env_file"] == ".env", name
            # Whatever the file sets for a container must be a setting .env.example documents.
            assert set(service.get("environment", {})) <= set(env), name
    # The web node and the files worker write and read the same folders (when no bucket is set).
    for name in ("web", "worker-files"):
        folders = compose.mounts(services[name])
        assert folders["/app/media"] == "media" and env["MEDIA_ROOT"] == "/app/media"
        assert folders["/app/signing"] == "signing" and env["SIGNING_DIR"] in {"", "/app/signing"}
    # The owner's password reaches only PostgreSQL and the migration, not the app's containers.
    for name in ("web", "relay", "beat", *workers(services)):
        assert services[name]["environment"]["POSTGRES_PASSWORD"] == ""


def dockerfile_runs() -> list[str]:
    return [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("RUN ")]


def test_the_image_collects_static_files_with_the_production_settings():
    env, command = stack.dockerfile_collectstatic()
    assert env["DEBUG"] == "0"
    assert command[:3] == ["python", "manage.py", "collectstatic"]
    # Collected where .env.example says the app finds them (the settings' default is /app/staticfiles).
    assert compose.env_example()["STATIC_ROOT"] == "/app/staticfiles" and "STATIC_ROOT" not in env
    assert re.search(r"^WORKDIR /app$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)


def test_the_image_runs_as_a_user_and_runs_the_command_the_smoke_test_runs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert dockerfile.index(f"USER {users[-1]}") < dockerfile.index("\nCMD ")
    assert re.search(rf"useradd .*\b{users[-1]}\b", dockerfile)
    command = stack.dockerfile_cmd()
    assert command[0] == "gunicorn" and (ROOT / command[command.index("--config") + 1]).exists()
    # The smoke test's gunicorn is this command line, only the interpreter is the test's.
    assert stack.local(command)[-len(command) + 1 :] == command[1:]


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "db.sqlite3", "media", ".git", "node_modules", "deploy/certs", "signing"} <= ignored
    # Whatever the image copies by name is not ignored.
    copied = {
        shlex.split(line)[1] for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY ")
    }
    assert not (copied - {"."}) & ignored
