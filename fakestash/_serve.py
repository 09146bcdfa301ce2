"""``fakestash serve``: the fake as an HTTP server, for curl, TypeScript and every language.

The ASGI app (``fakestash/_asgi.py``) under uvicorn (the ``serve`` extra), on 127.0.0.1 by
default. It prints the URL and tokens (``--env``: as ``export`` lines), serves the control
surface (``/_fakestash``) with its own token, and stops cleanly on SIGINT or SIGTERM: open
streams end, requests in flight finish, the data file (``--data``) is written atomically,
and the exit status is 0. docs/serve.md is the guide.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import shlex
import signal
import socket
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from fakestash._server import FakeStash

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8079
#: Seconds a shutdown waits for requests in flight before cancelling them.
GRACEFUL_SECONDS = 10
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def register(subparsers: Any) -> None:
    """Add ``serve`` to the ``fakestash`` command (``fakestash/_cli.py``)."""
    parser = subparsers.add_parser(
        "serve",
        help="serve the fake over HTTP (curl, @upstash/redis, any language)",
        description=(
            "Serve an in-memory Upstash Redis over HTTP: the REST API, pipelines, "
            "transactions, SSE pub/sub and MONITOR, plus a control surface for tests "
            "(/_fakestash). Needs the serve extra: pip install 'fakestash[serve]'."
        ),
    )
    add = parser.add_argument
    add("--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)")
    add("--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one (default: 8079)")
    add("--seed", type=int, default=0, help="seeds every random choice (default: 0)")
    add("--token", help="the first database's token (default: a new random one)")
    add("--readonly-token", help="its read-only token (default: a new random one)")
    add("--control-token", help="the control surface's token (default: a new random one)")
    add(
        "--database",
        action="append",
        default=[],
        metavar="URL",
        help="another database, answered at Host: URL's host and at /db/<n> (repeatable)",
    )
    add("--clock", choices=("system", "manual"), default="system", help="default: system")
    add("--data", metavar="FILE", help="load this snapshot at start, write it on stop and save")
    add("--env", action="store_true", help="print the URL and tokens as export lines only")
    add("--log-level", choices=LOG_LEVELS, default="warning", help="uvicorn's (default: warning)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; the exit status."""
    try:
        import uvicorn
    except ImportError:
        return _fail("fakestash serve needs uvicorn: pip install 'fakestash[serve]'", 2)
    from fakestash._datafile import DataFileError, read_data_file

    try:
        snapshot = read_data_file(args.data) if args.data else None
    except DataFileError as exc:
        return _fail(str(exc))
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    with sock, _stop_signals() as stop:
        try:
            stash = _build(args, sock, snapshot)
        except ValueError as exc:  # a --database twice, a snapshot with more databases
            return _fail(str(exc))
        control_token = args.control_token or "fs_ctl_" + secrets.token_urlsafe(24)
        _announce(args, stash, control_token)
        return _serve(uvicorn, args, stash, control_token, sock, stop)


def _fail(text: str, status: int = 1) -> int:
    print(f"fakestash serve: {text}", file=sys.stderr)
    return status


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before the server starts, so port 0's port is known."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it. Without it (uvicorn sets it only on sockets it
        # binds itself) a response's head and body meet Nagle's algorithm and the client's
        # delayed ACK: 40 ms on every keep-alive request after the first.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _build(args: argparse.Namespace, sock: socket.socket, snapshot: Any) -> FakeStash:
    from fakestash._server import FakeStash

    port = sock.getsockname()[1]
    host = args.host
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"  # the address to print: any interface answers
    if ":" in host:
        host = f"[{host}]"
    stash = FakeStash(
        seed=args.seed,
        clock=args.clock,
        url=f"http://{host}:{port}",
        token=args.token,
        readonly_token=args.readonly_token,
    )
    for url in args.database:
        stash.add_database(url=url)
    if snapshot is not None:
        stash.restore(snapshot)
    return stash


def _announce(args: argparse.Namespace, stash: FakeStash, control_token: str) -> None:
    first = stash.endpoints[0]
    control = f"{first.url}/_fakestash"
    if args.env:
        lines = [
            ("UPSTASH_REDIS_REST_URL", first.url),
            ("UPSTASH_REDIS_REST_TOKEN", first.token),
            ("FAKESTASH_READONLY_TOKEN", first.readonly_token),
        ]
        for index, endpoint in enumerate(stash.endpoints[1:], start=1):
            lines += [
                (f"FAKESTASH_DB{index}_URL", f"{first.url}/db/{index}"),
                (f"FAKESTASH_DB{index}_TOKEN", endpoint.token),
            ]
        # The control token comes last: a script reading these lines can stop at it.
        lines += [("FAKESTASH_CONTROL_URL", control), ("FAKESTASH_CONTROL_TOKEN", control_token)]
        print("\n".join(f"export {name}={shlex.quote(value)}" for name, value in lines))
    else:
        print(f"fakestash serve: {first.url} (Ctrl+C to stop)")
        print(f"  UPSTASH_REDIS_REST_URL={first.url}")
        print(f"  UPSTASH_REDIS_REST_TOKEN={first.token}")
        print(f"  read-only token: {first.readonly_token}")
        for index, endpoint in enumerate(stash.endpoints[1:], start=1):
            print(f"  database {index}: {first.url}/db/{index} (or Host: {endpoint.host})")
            print(f"    token: {endpoint.token}  read-only: {endpoint.readonly_token}")
        print(f"  control: {control}  token: {control_token}")
        if args.data:
            keys = sum(endpoint.database.size() for endpoint in stash.endpoints)
            print(f"  data file: {args.data} ({keys} keys loaded; written on stop)")
    sys.stdout.flush()


def _serve(
    uvicorn: Any,
    args: argparse.Namespace,
    stash: FakeStash,
    control_token: str,
    sock: Any,
    stop: _Stop,
) -> int:
    from fakestash._asgi import asgi_app

    app = asgi_app(stash, control_token=control_token, data_file=args.data)
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        lifespan="off",
        ws="none",
        access_log=args.log_level in ("info", "debug"),
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = _server_class(uvicorn)(config)
    server.stop = stop
    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped_connections)
    server.run(sockets=[sock])
    stash.close()
    if args.data:
        from fakestash._datafile import write_data_file

        try:
            write_data_file(args.data, stash.snapshot())
        except OSError as exc:
            return _fail(f"cannot write the data file {args.data}: {exc.strerror or exc}")
    return 0


def _server_class(uvicorn: Any) -> Any:
    class Server(uvicorn.Server):  # type: ignore[misc]
        """uvicorn's server, ending open streams when it shuts down: otherwise it would
        wait for every SSE client to leave."""

        stop: _Stop

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.stop.requested:  # a signal came while uvicorn was starting
                self.should_exit = True

        async def shutdown(self, sockets: Any = None) -> None:
            self.config.app.stash.close()
            await super().shutdown(sockets)

    return Server


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """An injected fault's dropped connection is no error of the server's."""
    from fakestash._asgi import DroppedConnection

    return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


class _Stop:
    """Whether SIGINT or SIGTERM came outside uvicorn's own handlers."""

    requested = False

    def __call__(self, sig: int, frame: object) -> None:
        self.requested = True


@contextmanager
def _stop_signals() -> Iterator[_Stop]:
    """SIGINT and SIGTERM stop the server cleanly from the moment the banner is printed:
    before uvicorn handles them, they are noted and stop it once started; after, uvicorn
    re-raises the signal that stopped it into this handler (once it has restored the
    handlers it found), so the data file is still written and the exit status is 0."""
    stop = _Stop()
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, stop) for sig in handled}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
