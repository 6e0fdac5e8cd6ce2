"""A keep-alive JSON channel to a private server, for the stores' common
calls.

MLflow's REST client spends most of a small call outside the network: it
resolves request-header plugins (which probe for Databricks and Spark),
scans the environment for proxies and builds a requests session per call.
None of that applies to a private loopback server, so the stores send
their requests here: one HTTP/1.1 connection per thread (and per process:
a forked child opens its own), JSON in, JSON out.

Only plain answers are handled here. A connection that fails, a status
MLflow retries (408, 429, 5xx) or a body that is not a JSON object makes
request() return None, and the store sends the call through MLflow's own
REST code instead, which retries with back-off and reports errors exactly
as it always does.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
from urllib.parse import urlencode, urlsplit

# The statuses MLflow's client retries (mlflow.utils.request_utils).
_RETRIED = frozenset((408, 429, 500, 502, 503, 504))

# How long a request may wait for its answer, in seconds, when
# MLFLOW_HTTP_REQUEST_TIMEOUT does not say (MLflow's default).
_DEFAULT_TIMEOUT = 120.0


def _timeout() -> float:
    raw = os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT")
    try:
        return float(raw) if raw else _DEFAULT_TIMEOUT
    except ValueError:
        return _DEFAULT_TIMEOUT


def query_string(params: dict) -> str:
    """params as a query string, the way requests encodes them: a list is
    a repeated key, None is left out."""
    pairs = []
    for key, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                pairs.append((key, v))
    return urlencode(pairs)


class _Connection(http.client.HTTPConnection):
    """An HTTP connection that sends at once: http.client writes a
    request's headers and body separately, and with Nagle's algorithm the
    body would wait for the server's delayed acknowledgement of the
    headers (urllib3, under MLflow's client, sets TCP_NODELAY too)."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Channel:
    """JSON requests to one server over keep-alive connections."""

    def __init__(self, server):
        # server() returns the _server.Server to talk to; its url waits
        # for it to serve, so a connection is only made when needed.
        self._server = server
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            # A new thread, or a forked child that must not share its
            # parent's socket.
            local.pid, local.conn = os.getpid(), None
        if local.conn is None:
            server = self._server()
            u = urlsplit(server.url)
            local.headers = {"Content-Type": "application/json", "User-Agent": "mlite-mlflow"}
            if server.token:
                local.headers["Authorization"] = f"Bearer {server.token}"
            local.conn = _Connection(u.hostname, u.port, timeout=_timeout())
        return local.conn

    def _drop(self) -> None:
        conn, self._local.conn = self._local.conn, None
        if conn is not None:
            conn.close()

    def request(self, method: str, endpoint: str, body: dict | None):
        """Send one request and return (status, answer), answer the
        decoded JSON object; None when the call must go through MLflow's
        own REST code (see the module's doc)."""
        path, payload = endpoint, None
        if method == "GET":
            if body:
                path = f"{endpoint}?{query_string(body)}"
        elif body is not None:
            payload = json.dumps(body).encode()
        conn = self._connection()
        try:
            conn.request(method, path, body=payload, headers=self._local.headers)
            resp = conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException):
            self._drop()
            return None
        if resp.will_close:
            self._drop()
        status = resp.status
        if status in _RETRIED:
            return None
        if status == 200 and not raw.strip():
            return status, {}
        try:
            answer = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(answer, dict):
            return None
        return status, answer
