"""Private mlite servers: one per store file per process, started on first
use and stopped when the process exits.

A server is `mlite server --db FILE --host 127.0.0.1 --port 0
--exit-with-stdin` with a random bearer token in its environment
(MLITE_SERVER_TOKEN). This process holds the write end of the server's
standard input and never writes to it: when this process ends, however it
ends (normal exit, exception, SIGKILL), the operating system closes the
pipe and the server stops. An atexit hook closes it first on a normal exit
and waits for the server to close the store.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
from urllib.parse import unquote, urlparse

from mlite_mlflow._errors import MliteError

SCHEME = "mlite"

# How long a server may take to open its store and listen, in seconds
# (MLITE_START_TIMEOUT overrides it).
DEFAULT_START_TIMEOUT = 30.0

# The line `mlite server` and `mlite ui` print once they listen.
_SERVING = re.compile(r"^mlite: serving .* at (http://127\.0\.0\.1:\d+)/ \(Ctrl-C to stop\)$")
# The line they print first when the store cannot be written.
_READ_ONLY = re.compile(r"^mlite: .* is read-only: ")


def is_mlite_uri(uri: str | None) -> bool:
    """Whether uri is an mlite: tracking URI."""
    return bool(uri) and uri.split(":", 1)[0].lower() == SCHEME and ":" in uri


def store_path(uri: str) -> str:
    """The absolute path of the store file an mlite: URI names.

    mlite:///abs/path.mlite is an absolute path, mlite:rel.mlite (and
    mlite:~/x.mlite) one relative to the working directory (or home)
    at first use; percent escapes are decoded.
    """
    if not is_mlite_uri(uri):
        raise MliteError(f"{uri!r} is not an mlite: URI (want mlite:///abs/path.mlite or mlite:relative.mlite)")
    u = urlparse(uri)
    if u.netloc not in ("", "localhost"):
        raise MliteError(
            f"{uri!r}: an mlite: URI names a local file, not a host {u.netloc!r} "
            f"(want mlite:///abs/path.mlite or mlite:relative.mlite)"
        )
    if u.query or u.fragment:
        raise MliteError(f"{uri!r}: an mlite: URI takes no query or fragment")
    path = unquote(u.path)
    if not path:
        raise MliteError(f"{uri!r} names no file (want mlite:///abs/path.mlite or mlite:relative.mlite)")
    if os.name == "nt" and re.match(r"^/[A-Za-z]:", path):
        path = path[1:]
    return os.path.abspath(os.path.expanduser(path))


def find_binary() -> str:
    """The mlite binary to run: $MLITE_BIN, else mlite on PATH, else the
    one bundled in this package."""
    env = os.environ.get("MLITE_BIN")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise MliteError(f"MLITE_BIN={env}: no executable mlite binary there")
        return env
    on_path = shutil.which("mlite")
    if on_path:
        return on_path
    name = "mlite.exe" if os.name == "nt" else "mlite"
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", name)
    if os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return bundled
    raise MliteError(
        "no mlite binary: set MLITE_BIN to one, put mlite on PATH, or install mlite-mlflow "
        "on a machine with Go so that its wheel bundles one"
    )


def _start_timeout() -> float:
    raw = os.environ.get("MLITE_START_TIMEOUT")
    if not raw:
        return DEFAULT_START_TIMEOUT
    try:
        return float(raw)
    except ValueError:
        raise MliteError(f"MLITE_START_TIMEOUT={raw}: want a number of seconds") from None


class Server:
    """One running `mlite server` (or `mlite ui`) on one store file."""

    def __init__(self, path: str, command: str, token: str | None):
        self.path = path
        self.command = command
        self.token = token
        self.read_only = False
        self._url = ""  # http://127.0.0.1:PORT, no trailing slash, once it serves
        self._stderr: list[str] = []
        self._lines: list[str] = []
        self._ready = threading.Event()  # set once it serves, or its output ends
        self._waited = threading.Lock()
        self._failure: MliteError | None = None
        self._start()

    @property
    def url(self) -> str:
        """The server's base URL, http://127.0.0.1:PORT, waiting for it
        to serve if it has not yet (see wait)."""
        if not self._url or self._failure is not None:
            self.wait()
        return self._url

    def _start(self) -> None:
        binary = find_binary()
        args = [binary, self.command, "--db", self.path, "--host", "127.0.0.1", "--port", "0", "--exit-with-stdin"]
        if self.command == "ui":
            args.append("--no-browser")
        else:
            args.append("--quiet")  # no line per request on stderr
        env = dict(os.environ)
        for k in ("MLITE_SERVER_TOKEN", "MLITE_SERVER_USERNAME", "MLITE_SERVER_PASSWORD", "MLITE_DB"):
            env.pop(k, None)
        if self.token:
            env["MLITE_SERVER_TOKEN"] = self.token
        kw = {}
        if os.name == "nt":
            kw["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        else:
            # Its own session: a Ctrl-C in this process's terminal is this
            # process's to handle, and does not stop the server under it.
            kw["start_new_session"] = True
        try:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                **kw,
            )
        except OSError as e:
            raise MliteError(f"cannot run the mlite binary {binary}: {e}") from e
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True, name="mlite-stderr")
        self._stdout_reader = threading.Thread(target=self._read_stdout, daemon=True, name="mlite-stdout")
        self._stdout_reader.start()
        self._stderr_reader.start()
        self._timeout = _start_timeout()
        self._deadline = time.monotonic() + self._timeout

    def wait(self) -> None:
        """Wait until the server serves; raise MliteError if it exits
        first or does not serve within the start-up timeout.

        The server is started without waiting: MLflow's client does its
        own work (resolving a run's tags, say) between building a store
        and its first request, and the server opens its store meanwhile.
        """
        with self._waited:
            if self._failure is not None:
                raise self._failure
            if self._url:
                return
            # _ready is set once it serves, or when its output ends.
            while not self._ready.wait(0.05):
                if self.proc.poll() is not None:
                    break
                if time.monotonic() > self._deadline:
                    self.stop(timeout=0)
                    self._failure = MliteError(
                        f"mlite {self.command} on {self.path} did not start within {self._timeout:g}s: {self._said()}"
                    )
                    raise self._failure
            if not self._url:
                # It exited before serving: wait for it, and for all it said.
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.stop(timeout=0)
                self._stderr_reader.join(5)
                self._failure = MliteError(
                    f"mlite could not serve {self.path}: {self._said()} (exit {self.proc.returncode})"
                )
                raise self._failure

    def _said(self) -> str:
        text = " ".join(line.strip() for line in self._stderr if line.strip())
        if not text:
            text = " ".join(line.strip() for line in self._lines if line.strip()) or "no message"
        return text.removeprefix("mlite: ")

    def _read_stdout(self) -> None:
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if len(self._lines) < 100:
                self._lines.append(line)
            if _READ_ONLY.match(line):
                self.read_only = True
            m = _SERVING.match(line)
            if m and not self._url:
                self._url = m.group(1)
                self._ready.set()
        self._ready.set()

    def _read_stderr(self) -> None:
        for raw in self.proc.stderr:
            if len(self._stderr) < 100:
                self._stderr.append(raw.decode("utf-8", "replace"))

    @property
    def failed_to_start(self) -> bool:
        """Whether wait found that the server would not serve."""
        return self._failure is not None

    def check(self) -> None:
        """Raise MliteError if the server did not start or has exited."""
        self.wait()
        if self.proc.poll() is not None:
            raise MliteError(f"the mlite server for {self.path} exited (code {self.proc.returncode}): {self._said()}")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server: close its standard input, wait for it to close
        the store, and kill it if it has not within timeout seconds."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                if timeout <= 0:
                    raise subprocess.TimeoutExpired(self.proc.args, timeout)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        # The readers end at the end of its output; they close nothing.
        for reader in (self._stdout_reader, self._stderr_reader):
            if reader is not threading.current_thread():
                reader.join(2)
        if not self._stdout_reader.is_alive() and not self._stderr_reader.is_alive():
            self.proc.stdout.close()
            self.proc.stderr.close()


_lock = threading.Lock()
_servers: dict[tuple[str, str], Server] = {}
_owner = os.getpid()


def _after_fork() -> None:
    # A forked child starts its own servers: the parent's are the parent's.
    global _owner
    _servers.clear()
    _owner = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def get(path: str, command: str = "server") -> Server:
    """The running server of this process for the store at path, started
    if there is none (or the last one exited)."""
    key = (os.path.normcase(os.path.realpath(path)), command)
    with _lock:
        s = _servers.get(key)
        if s is not None and s.proc.poll() is None:
            return s
        token = secrets.token_urlsafe(32) if command == "server" else None
        s = Server(path, command, token)
        _servers[key] = s
        return s


def for_uri(uri: str) -> Server:
    """The private server of the store an mlite: URI names."""
    return get(store_path(uri))


def by_url(url: str) -> Server | None:
    """The running server whose base URL starts url, if any."""
    for s in list(_servers.values()):
        if s._url and (url == s._url or url.startswith(s._url + "/")):
            return s
    return None


@atexit.register
def stop_all() -> None:
    """Stop every server this process started."""
    if os.getpid() != _owner:
        return
    with _lock:
        servers = list(_servers.values())
        _servers.clear()
    for s in servers:
        s.stop()
