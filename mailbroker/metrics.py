"""What the daemon counts, for Prometheus, and whether it is healthy, over HTTP.

With `metrics.listen` set (a loopback address such as 127.0.0.1:9464), a small HTTP
server in a thread of its own answers:

- `/metrics`: the Prometheus text format (prometheus-client), with the counters and
  gauges below;
- `/health`: 200 and "ok" while the main loop turns, the IMAP connection is up and the
  state database can be written; 503 and the reason otherwise — for a load balancer, a
  monitoring check or `curl -f`.

The daemon updates everything from its own loop (the HTTP thread only reads), so the
state database is never touched from another thread.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

NAMESPACE = "mailbroker"


class Metrics:
    """The daemon's counters and gauges, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.messages = Counter("messages", "Incoming messages handled, by kind and by the folder they went to",
                                ["kind", "folder"], namespace=NAMESPACE, registry=registry)
        self.processing = Histogram("message_processing_seconds",
                                    "Time to read, decide and record one incoming message",
                                    namespace=NAMESPACE, registry=registry,
                                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.sent = Counter("sent_messages", "Messages the SMTP server accepted",
                            namespace=NAMESPACE, registry=registry)
        self.send_failures = Counter("send_failures", "Messages the SMTP server refused, by permanence",
                                     ["permanent"], namespace=NAMESPACE, registry=registry)
        self.imap_reconnects = Counter("imap_reconnects", "Times the IMAP connection was lost and made again",
                                       namespace=NAMESPACE, registry=registry)
        self.referrals = Gauge("referrals", "Referrals by state", ["state"], namespace=NAMESPACE,
                               registry=registry)
        self.outbox = Gauge("outbox_messages", "Messages waiting to be sent (retries included)",
                            namespace=NAMESPACE, registry=registry)
        self.last_loop = Gauge("last_loop_timestamp_seconds", "When the main loop last turned (Unix time)",
                               namespace=NAMESPACE, registry=registry)

    def handled(self, kind: str, folder: str, seconds: float) -> None:
        self.messages.labels(kind=kind, folder=folder).inc()
        self.processing.observe(seconds)

    def state(self, referrals: dict[str, int], outbox: int) -> None:
        for state, count in referrals.items():
            self.referrals.labels(state=state).set(count)
        self.outbox.set(outbox)
        self.last_loop.set(time.time())


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


# The names a request may give in its Host header besides the listen address itself. A
# web page in the operator's browser can point a name of its own at 127.0.0.1 (DNS
# rebinding) and read what answers there; its requests carry that name, and are refused.
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")


def host_allowed(host_header: str | None, allowed: frozenset[str]) -> bool:
    """Whether a Host header (RFC 9110 §7.2: a name or [IPv6], an optional port) names
    this endpoint. No header at all (HTTP/1.0) is allowed: browsers always send one."""
    if host_header is None:
        return True
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[:host.find("]") + 1]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    return host.rstrip(".") in allowed


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # a scrape every 15 s is not worth a log line


class Endpoint:
    """The HTTP server for /metrics and /health, in a thread of its own."""

    def __init__(self, metrics: Metrics, health: Callable[[], str | None], host: str, port: int,
                 host_names: tuple[str, ...] = ()):
        self._metrics_app = make_wsgi_app(metrics.registry)
        self._health = health
        listen_name = f"[{host}]" if ":" in host else host
        self._hosts = frozenset(n.lower() for n in (*LOCAL_NAMES, listen_name, *host_names))
        server_class = _ThreadingServer6 if ":" in host else _ThreadingServer
        self.server = make_server(host, port, self._app, server_class=server_class, handler_class=_QuietHandler)
        self.port = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, name="metrics", daemon=True)

    def start(self) -> Endpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _app(self, environ, start_response):
        if not host_allowed(environ.get("HTTP_HOST"), self._hosts):
            body = b"unknown host: this endpoint answers to its loopback address and metrics.host_names only\n"
            start_response("421 Misdirected Request", [("Content-Type", "text/plain"),
                                                       ("Content-Length", str(len(body)))])
            return [body]
        path = environ.get("PATH_INFO", "")
        if path == "/health":
            trouble = self._health()
            status = "503 Service Unavailable" if trouble else "200 OK"
            if "json" in environ.get("QUERY_STRING", ""):
                body = json.dumps({"ok": trouble is None, "problem": trouble}).encode()
                kind = "application/json"
            else:
                body, kind = ((trouble or "ok") + "\n").encode(), "text/plain; charset=utf-8"
            start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
            return [body]
        if path in ("/metrics", "/"):
            return self._metrics_app(environ, start_response)
        body = b"not found: try /metrics or /health\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
