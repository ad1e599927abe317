"""Running wrk and reading its figures (rate, latency percentiles, errors), for bench/http_load.py."""

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request


def run_wrk(url: str, script: str | None, *, duration: int, connections: int, threads: int) -> dict:
    # A 10 s timeout: a request stalled behind a frozen Redis is measured, not dropped.
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        command += ["-s", lua.name]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", output).group(1)) for p in ("50", "90", "99")}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    return {
        "rate": rate,
        "p50": latency["50"],
        "p90": latency["90"],
        "p99": latency["99"],
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
        "requests": total,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def line(name: str, result: dict) -> str:
    extra = f", {result['bad']} non-2xx/3xx" if result["bad"] else ""
    extra += f", socket errors: {result['socket_errors']}" if result["socket_errors"] else ""
    return (
        f"{name:<40} {result['rate']:8.0f} req/s  p50 {result['p50']:7.1f} ms  p90 {result['p90']:7.1f} ms"
        f"  p99 {result['p99']:7.1f} ms  ({result['requests']} requests{extra})"
    )


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer")
