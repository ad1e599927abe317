"""The production shape without Docker: the image's collectstatic and gunicorn lines, behind Debian's nginx.

Everything here is read from the files the image and docker compose use, so a change
there is what the tests run: the `RUN ... collectstatic` line and the `CMD` of the
Dockerfile, deploy/gunicorn.conf.py, deploy/nginx/portal.conf.template, and the values
of .env.example. Only what must point at this machine is replaced: the databases, the
folders, the ports, the mail server. nginx runs as the current user, with its prefix,
pid file, temp folders and logs in a temporary folder, on free ports.
"""

import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.production import compose

ROOT = Path(__file__).resolve().parents[2]
HOST = "portal.example.com"  # ALLOWED_HOSTS in .env.example


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll a condition until it holds (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def env_example() -> dict[str, str]:
    return compose.env_example()


def dockerfile_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The image's collectstatic step: its environment assignments and its command."""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("RUN ") and "collectstatic" in line:
            words = shlex.split(line[len("RUN ") :])
            env = {}
            while "=" in words[0]:
                name, _, value = words.pop(0).partition("=")
                env[name] = value
            return env, words
    raise AssertionError("the Dockerfile has no collectstatic step")


def dockerfile_cmd() -> list[str]:
    match = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "the Dockerfile has no CMD in exec form"
    return json.loads(match.group(1))


def local(command: list[str]) -> list[str]:
    """The image's `python`/`gunicorn` are this virtualenv's: run by this interpreter, as a module.

    Not the virtualenv's `bin/gunicorn` script: a virtualenv copied to another folder keeps
    scripts whose first line names the original's interpreter (and its packages).
    """
    if command[0] == "python":
        return [sys.executable, *command[1:]]
    return [sys.executable, "-m", command[0], *command[1:]]


def base_env() -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    return {name: value for name, value in os.environ.items() if name in keep}


def collect_static(static_root: Path) -> None:
    env, command = dockerfile_collectstatic()
    result = subprocess.run(
        local(command),
        cwd=ROOT,
        env={**base_env(), **env, "STATIC_ROOT": str(static_root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """What deploy/nginx/15-portal.sh makes in the container when deploy/certs/ is empty."""
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return certificate, key


def render_template(text: str, variables: dict[str, str]) -> str:
    """envsubst as nginx's image runs it: only the names given are replaced, nginx's own $vars stay."""
    rendered = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: variables.get(m.group(1), m.group(0)), text)
    # The compose service sets every upper-case name (tests/portal/test_compose.py); so must this.
    left = re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", rendered)
    assert not left, f"the nginx template needs {left}, which the test does not set"
    return rendered


# Directives of the template that nginx learnt later than Debian's (CI): (name, first version).
NEWER_DIRECTIVES = [("ssl_handshake_timeout", (1, 25, 3))]


def nginx_version(binary: str) -> tuple[int, ...]:
    output = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=30).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", output)
    assert match, output
    return tuple(int(part) for part in match.groups())


def for_nginx_version(site: str, version: tuple[int, ...]) -> str:
    """The rendered site without the lines of directives this nginx does not know yet."""
    for directive, since in NEWER_DIRECTIVES:
        if version < since:
            site = re.sub(rf"^[ \t]*{directive}\b[^\n]*\n", "", site, flags=re.MULTILINE)
    return site


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_gunicorn(env: dict[str, str], folder: Path, name: str, *, wait: bool = True) -> Gunicorn:
    port = free_port()
    log = folder / f"{name}.log"
    process = subprocess.Popen(
        local(dockerfile_cmd()),
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    node = Gunicorn(port=port, process=process, log=log)
    if wait:

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn {name} exited:\n{node.output()}")
            try:
                return http_get("127.0.0.1", port, "/healthz/").status in {200, 503}
            except OSError:
                return False

        wait_for(answers, timeout=90, what=f"gunicorn {name}")
    return node


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode(errors="replace")


def http_get(host: str, port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5) -> Reply:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


@dataclass
class Nginx:
    http_port: int
    https_port: int
    process: subprocess.Popen
    folder: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_nginx(folder: Path, upstreams: list[int]) -> Nginx:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = make_certificate(folder)
    http_port, https_port = free_port(), free_port()
    site = render_template(
        compose.nginx_template().read_text(),  # the very file the proxy service mounts
        {
            "PORTAL_UPSTREAM_SERVERS": " ".join(f"server 127.0.0.1:{port};" for port in upstreams),
            "NGINX_HTTP_PORT": f"127.0.0.1:{http_port}",
            "NGINX_HTTPS_PORT": f"127.0.0.1:{https_port}",
            "NGINX_HTTPS_PORT_SUFFIX": f":{https_port}",
            "NGINX_ACCESS_LOG": str(folder / "access.log"),
            "NGINX_CERTIFICATE": str(certificate),
            "NGINX_CERTIFICATE_KEY": str(key),
        },
    )
    (folder / "portal.conf").write_text(for_nginx_version(site, nginx_version(nginx)))
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    # The http block of nginx's image (mime types, sendfile) around the same site file.
    (folder / "nginx.conf").write_text(
        f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {folder}/portal.conf;
}}
"""
    )
    command = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Nginx(http_port=http_port, https_port=https_port, process=process, folder=folder)

    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError((folder / "error.log").read_text())
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            return True
        except OSError:
            return False

    wait_for(listening, timeout=30, what="nginx")
    return server


@dataclass
class Browser:
    """A client of the proxy over HTTPS, keeping its cookies, as a browser would."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30
    # The client's own address: another loopback address than the proxy's and the nodes'.
    source: str = "127.0.0.1"
    # Straight to one node over plain HTTP, as the proxy talks to it (headers set as the proxy sets them).
    direct: bool = False

    def request(self, method: str, path: str, *, data: dict | None = None, headers: dict | None = None) -> Reply:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the self-signed certificate
        if self.direct:
            connection: http.client.HTTPConnection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
            headers = {"X-Forwarded-For": self.source, "X-Forwarded-Proto": "https", **(headers or {})}
        else:
            connection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=self.timeout, context=context, source_address=(self.source, 0)
            )
        sent = {"Host": HOST, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            # CSRF over HTTPS checks the origin against the request's host.
            sent.setdefault("Origin", f"https://{HOST}")
            sent.setdefault("Referer", f"https://{HOST}{path}")
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        self.cookies[morsel.key] = morsel.value
            return reply
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> Reply:
        return self.request("POST", path, data=data, **kwargs)

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text())
        assert match, f"no CSRF token on {path} ({page.status})"
        return match.group(1)
