#!/usr/bin/env python3
"""Drills against a running reference-backend, as an attacker or a broken client would (issue 15).

Usage: api_drill.py PORT SERVER_PID IDLE_TIMEOUT REQUEST_TIMEOUT [IDLE_SOCKETS] [SLOW_SOCKETS]

Phases, each while a prober opens a new connection every 200 ms and times GET /health:
  idle      IDLE_SOCKETS connections that never send a byte (default 20,000);
  slowloris SLOW_SOCKETS connections that send a request head one byte a second (default 500);
  malformed request lines and heads the HTTP parser rejects, one connection each.
Prints one Markdown table of measurements; exits 1 when a probe failed or took over a second, when a
malformed request got no JSON error, or when the server kept idle or slow connections past their timeouts.
Standard library only; loopback only; stops by itself.
"""

import json
import resource
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
SERVER_PID = int(sys.argv[2])
IDLE_TIMEOUT = float(sys.argv[3])
REQUEST_TIMEOUT = float(sys.argv[4])
IDLE_SOCKETS = int(sys.argv[5]) if len(sys.argv) > 5 else 20_000
SLOW_SOCKETS = int(sys.argv[6]) if len(sys.argv) > 6 else 500
ADDRESS = ("127.0.0.1", PORT)
failures = []


def rss_mb():
    with open(f"/proc/{SERVER_PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Prober(threading.Thread):
    """A new connection every 200 ms: GET /health, timed to the whole answer."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.times = []
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                with socket.create_connection(ADDRESS, timeout=5) as probe:
                    probe.sendall(b"GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
                    data = b""
                    while chunk := probe.recv(65536):
                        data += chunk
                status = data.split(b" ", 2)[1] if data.startswith(b"HTTP/1.1 ") else b"none"
                if status != b"200":
                    self.errors.append(f"status {status.decode(errors='replace')}")
            except OSError as error:
                self.errors.append(str(error))
            self.times.append(time.monotonic() - started)
            self.stop.wait(0.2)

    def summary(self):
        times = sorted(self.times) or [float("nan")]
        return len(times), times[len(times) // 2] * 1000, times[-1] * 1000, len(self.errors)


def settle():
    """Waits (up to 15 s) until the kernel holds no half-open connection to the port from an earlier phase."""
    suffix = f":{PORT:04X}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with open("/proc/net/tcp") as table:
            next(table)
            if not any(line.split()[1].endswith(suffix) and line.split()[3] == "03" for line in table):
                return
        time.sleep(0.2)


def phase(name, body):
    settle()
    prober = Prober()
    prober.start()
    rss_before = rss_mb()
    started = time.monotonic()
    details = body()
    seconds = time.monotonic() - started
    prober.stop.set()
    prober.join()
    probes, median, worst, errors = prober.summary()
    if errors or worst > 1000:
        failures.append(f"{name}: {errors} probe(s) failed, slowest {worst:.0f} ms ({prober.errors[:3]})")
    return (name, details, f"{seconds:.1f} s", f"{rss_before:.0f} → {rss_mb():.0f} MB", f"{probes}", f"{median:.1f} / {worst:.1f} ms", f"{errors}")


def server_connections():
    """Established connections whose local end is the server's port (the server's side, from /proc/net/tcp)."""
    suffix = f":{PORT:04X}"
    with open("/proc/net/tcp") as table:
        next(table)
        return sum(1 for line in table if line.split()[1].endswith(suffix) and line.split()[3] == "01")


def idle():
    sockets = []
    refused = 0
    room = resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 100
    peak = 0
    for _ in range(min(IDLE_SOCKETS, room)):
        try:
            each = socket.socket()
            each.setblocking(False)
            each.connect_ex(ADDRESS)
            sockets.append(each)
        except OSError:
            refused += 1
    # Client sockets can look established when the kernel dropped them from a full listen queue: count
    # the server's side instead, until every connection it took is closed or the margin passes.
    deadline = time.monotonic() + IDLE_TIMEOUT + 15
    held = server_connections()
    while time.monotonic() < deadline:
        held = server_connections()
        peak = max(peak, held)
        if held <= 1 and time.monotonic() > deadline - 14:
            break
        time.sleep(0.5)
    for each in sockets:
        each.close()
    if held > 1:
        failures.append(f"idle: the server still held {held} connections {IDLE_TIMEOUT + 15:.0f} s after they opened")
    return (
        f"{len(sockets)} silent connections ({refused} failed to open): the server held at most {peak} at once, "
        f"{held} after the idle timeout")


def slowloris():
    sockets = []
    for _ in range(SLOW_SOCKETS):
        each = socket.create_connection(ADDRESS, timeout=5)
        each.sendall(b"GET /health HTTP/1.1\r\nHost: slow\r\n")
        sockets.append(each)
    answered = {}
    deadline = time.monotonic() + REQUEST_TIMEOUT + 15
    while time.monotonic() < deadline and len(answered) < len(sockets):
        for index, each in enumerate(sockets):
            if index in answered:
                continue
            try:
                each.send(b"X")
            except OSError:
                answered[index] = "reset"
        time.sleep(1)
        for index, each in enumerate(sockets):
            if index in answered:
                continue
            each.setblocking(False)
            try:
                data = each.recv(65536)
                answered[index] = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "closed"
            except BlockingIOError:
                pass
            except OSError:
                answered[index] = "reset"
            each.setblocking(True)
    for each in sockets:
        each.close()
    statuses = {}
    for status in answered.values():
        statuses[status] = statuses.get(status, 0) + 1
    if len(answered) < len(sockets):
        failures.append(f"slowloris: {len(sockets) - len(answered)} connections still open after {REQUEST_TIMEOUT + 15:.0f} s")
    return f"{len(sockets)} connections, a byte a second: " + ", ".join(f"{n}× {s}" for s, n in sorted(statuses.items()))


MALFORMED = [
    ("FOO method", b"FOO / HTTP/1.1\r\nHost: t\r\n\r\n"),
    ("TRACE", b"TRACE /health HTTP/1.1\r\nHost: t\r\n\r\n"),
    ("CONNECT", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
    ("HTTP/2.0 line", b"GET /health HTTP/2.0\r\nHost: t\r\n\r\n"),
    ("1 MB path", b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: t\r\n\r\n"),
    ("1 MB header", b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"),
    ("10,000 headers", b"GET /health HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + b"\r\n"),
    ("control byte in a header", b"GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\x01b\r\n\r\n"),
    ("Content-Length and Transfer-Encoding", b"GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("64 KB path (404)", b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
    ("HTTP/1.0 without keep-alive", b"GET /health HTTP/1.0\r\n\r\n"),
]


def malformed():
    rows = []
    for name, request in MALFORMED:
        with socket.create_connection(ADDRESS, timeout=10) as each:
            try:
                each.sendall(request)
            except OSError:
                pass
            data = b""
            try:
                while chunk := each.recv(65536):
                    data += chunk
            except OSError:
                pass
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode(errors="replace").split("\r\n")
        status = lines[0].split(" ")[1] if lines[0].startswith("HTTP/1.1 ") else "none"
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        ok = headers.get("content-length") == str(len(body))
        if status.startswith("4") or status.startswith("5"):
            try:
                ok = ok and "code" in json.loads(body)["error"]
            except (ValueError, KeyError, TypeError):
                ok = False
        if not ok:
            failures.append(f"malformed: {name}: {status}, {len(body)} bytes, Content-Length {headers.get('content-length')}")
        rows.append(f"{name} → {status} ({len(body)} B{', JSON' if ok else ', NOT JSON'})")
    return "; ".join(rows)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results = [phase("idle", idle), phase("slowloris", slowloris), phase("malformed", malformed)]
    print(f"server limits: idle {IDLE_TIMEOUT:g} s, request {REQUEST_TIMEOUT:g} s; server RSS now {rss_mb():.0f} MB")
    print()
    print("| phase | what happened | time | server RSS | probes | probe median / worst | failed probes |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in results:
        print("| " + " | ".join(row) + " |")
    print()
    if failures:
        print("FAILED:")
        for failure in failures:
            print(f"- {failure}")
        sys.exit(1)
    print("every phase passed")


main()
