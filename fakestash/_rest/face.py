"""The REST face: one ``RestRequest`` in, one ``RestResponse`` out (Upstash's behaviour).

``Face`` is what a server composes: the databases it serves (``fakestash._endpoints``) and
its fault rules. It knows no HTTP library; the doors (``fakestash._transport``, the router,
``fakestash._asgi``) convert their world's requests and responses.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Sequence
from urllib.parse import unquote

from fakestash._engine.acl import BUILTIN, acl_state
from fakestash._engine.admission import Caller, admit
from fakestash._engine.family import Command
from fakestash._engine.replies import ErrorReply, Reply
from fakestash._errors import CommandError
from fakestash._faults import FaultRecord, FaultRequest, TransportFault
from fakestash._meter import billable
from fakestash._rest import texts
from fakestash._rest.render import (
    batch_items,
    encode_json,
    error_body,
    result_body,
    to_resp2,
)
from fakestash._rest.request import (
    ALLOWED_METHODS,
    RestCall,
    RestError,
    parse_call,
    read_headers,
    request_size,
    request_token,
)
from fakestash._rest.responses import (
    JSON_TYPE,
    make_response,
)
from fakestash._rest.responses import (
    error_response as _error_response,
)
from fakestash._rest.responses import (
    json_response as _json_response,
)
from fakestash._rest.responses import (
    raw_response as _raw_response,
)
from fakestash._rest.sse import open_stream
from fakestash._rest.wire import RestRequest, RestResponse

if TYPE_CHECKING:
    from fakestash._endpoints import Endpoint, Endpoints
    from fakestash._faults import Faults


class Face:
    """Upstash's REST API over a server's databases: ``face.handle(request)``.

    Raises ``TransportFault`` for an injected connect error or read timeout (the door
    raises its own error in its place); every other outcome is a ``RestResponse``.
    """

    def __init__(self, endpoints: Endpoints, faults: Faults) -> None:
        self.endpoints = endpoints
        self.faults = faults
        #: Set by the server's ``close()``: streams opened from now on end at once.
        self.closed = False

    def handle(self, request: RestRequest) -> RestResponse:
        """Authenticate, parse, run and render one request."""
        return respond(self, request)


def respond(face: Face, request: RestRequest) -> RestResponse:
    """Authenticate, parse, run and render one request."""
    method = request.method
    if method not in ALLOWED_METHODS:
        return make_response(405, b"", None, None)
    raw_path, body = request.raw_path, request.body
    headers = read_headers(request.headers)
    token = request_token(raw_path, headers)
    host, scheme = request.host, request.scheme
    endpoints = face.endpoints
    misdirected = endpoints.misdirected(host, scheme)
    if misdirected is not None:  # a served host name on another port (fakestash/_hosts.py)
        return _json_response(421, error_body(misdirected), None)
    grant = endpoints.authenticate(host, token, scheme)
    if grant is None:
        return _json_response(401, error_body(texts.WRONGPASS), None)
    endpoint, _ = grant
    size = request_size(raw_path, body)
    try:
        _check_request_size(endpoint, method, size)
        call = parse_call(method, raw_path, headers, body)
    except RestError as exc:  # refused unread: a request, no command
        response = _json_response(exc.status, error_body(exc.text), endpoint)
        endpoint.meter.record_request(commands=0, bytes_in=size, bytes_out=len(response.body))
        return response
    fault = _pick_fault(face, endpoint, call, raw_path) if face.faults.active else None
    if fault is not None:
        refused = _fault_before(face, endpoint, call, fault)
        if refused is not None:
            return refused
    cut = fault.fault.events if fault is not None and fault.fault.kind == "cut_stream" else None
    response = _dispatch(face, endpoint, _caller(endpoint, token, call), call, headers, cut)
    billed = _billed_commands(call)
    endpoint.meter.record_request(
        commands=len(billed),
        argvs=billed,
        bytes_in=call.body_size,
        bytes_out=len(response.body),  # a stream meters what it sends as it goes
        # Arguments are at most 3x the request (a byte that is not UTF-8 becomes U+FFFD's
        # three); escapes and percent-encoding only shrink them.
        argument_bytes_at_most=3 * call.body_size,
        reread=partial(_billed_again, method, raw_path, headers, body),
    )
    if fault is not None and fault.fault.kind == "read_timeout":
        raise TransportFault(fault.fault, endpoint.host)  # it ran; the answer is lost
    return response


def _caller(endpoint: Endpoint, token: str | None, call: RestCall) -> Caller:
    """Who the request runs as: its token's ACL user, with the database's size limits. Its
    arguments are at most 3x the body (a byte that is not UTF-8 becomes U+FFFD's three):
    below every limit, no command of it needs a size check."""
    user = endpoint.user_of(token)
    users = None if user in BUILTIN else acl_state(endpoint.database)
    return Caller.for_request(user, users, endpoint.limits, 3 * call.body_size)


# ---- injected faults (fakestash/_faults.py decides; here is where they happen) --------------


def _pick_fault(
    face: Face, endpoint: Endpoint, call: RestCall, raw_path: bytes
) -> FaultRecord | None:
    if call.kind == "head":
        return None
    if call.kind == "stream":
        names: tuple[str, ...] = (call.stream.upper(),)
    else:
        names = tuple(argv[0].decode("utf-8", "replace").upper() for argv in call.argvs if argv)
    path = unquote(raw_path.partition(b"?")[0].decode("ascii", "replace"))
    query = FaultRequest(
        db=face.endpoints.index(endpoint),
        host=endpoint.host,
        path=path,
        commands=names,
        stream=call.kind == "stream",
    )
    return face.faults.pick(query)


def _fault_before(
    face: Face, endpoint: Endpoint, call: RestCall, record: FaultRecord
) -> RestResponse | None:
    """Apply what happens before the request runs: an error answer (returned), a lost
    connection (raised), latency (the clock moves). None: the request goes on."""
    fault = record.fault
    endpoint.meter.record_fault(str(record))
    if fault.kind == "latency":
        face.faults.advance(fault)
        return None
    if fault.kind == "connect_error" or (fault.kind == "read_timeout" and call.kind == "stream"):
        raise TransportFault(fault, endpoint.host)
    if fault.kind != "http":
        return None
    if fault.body is not None:
        response = make_response(fault.status, fault.body, b"text/html", endpoint)
    else:
        response = _json_response(fault.status, error_body(fault.error or ""), endpoint)
    # Answered but refused: a request, not a billed command.
    endpoint.meter.record_request(commands=0, bytes_in=call.body_size, bytes_out=len(response.body))
    return response


def _check_request_size(endpoint: Endpoint, method: str, size: int) -> None:
    """Before the body is parsed, so an over-limit body gets this error, deep or invalid."""
    too_big = None if method == "HEAD" else _response_too_large(endpoint, size)
    if too_big is not None:
        raise RestError(400, too_big)


def _billed_again(
    method: str, raw_path: bytes, headers: dict[str, str], body: bytes
) -> Sequence[Sequence[bytes]]:
    """The billed commands of a request, read again from it (the meter's log keeps this
    rather than them: see ``RecentCommands``)."""
    return _billed_commands(parse_call(method, raw_path, headers, body))


def _billed_commands(call: RestCall) -> Sequence[Sequence[bytes]]:
    """Upstash bills each command (each pipeline/transaction row; not the MULTI/EXEC
    around /multi-exec), except operational ones (PING, INFO...); a stream is one
    SUBSCRIBE/PSUBSCRIBE/MONITOR."""
    if call.kind == "head":
        return []
    if call.kind == "stream":
        return [[call.stream.upper().encode(), *call.argvs[0]]]
    return billable(call.argvs)


def _dispatch(
    face: Face,
    endpoint: Endpoint,
    caller: Caller,
    call: RestCall,
    headers: dict[str, str],
    cut: int | None = None,
) -> RestResponse:
    if call.kind == "head":
        return make_response(200, b"", JSON_TYPE, endpoint)
    if call.kind == "stream":
        return open_stream(endpoint, caller, call, headers, face.closed, cut)
    if call.resp2 and call.base64:
        return _json_response(400, error_body(texts.RESP2_WITH_BASE64), endpoint)
    if call.kind == "command":
        return _single(endpoint, caller, call)
    if call.kind == "pipeline":
        return _pipeline(endpoint, caller, call)
    return _multi_exec(endpoint, caller, call)


# ---- the three request shapes -----------------------------------------------------------


def _single(endpoint: Endpoint, caller: Caller, call: RestCall) -> RestResponse:
    argv = call.argvs[0]
    try:
        reply = run_command(endpoint, caller, argv)
    except CommandError as exc:
        return _error_response(call, exc.text, endpoint)
    if call.resp2:
        return _raw_response(200, to_resp2(reply), endpoint)
    content = encode_json(result_body(reply, call.base64))
    too_big = _response_too_large(endpoint, len(content))
    if too_big is not None:
        return _error_response(call, too_big, endpoint)
    return make_response(200, content, JSON_TYPE, endpoint)


def _pipeline(endpoint: Endpoint, caller: Caller, call: RestCall) -> RestResponse:
    """Each row runs on its own; an error does not stop the rest. Always HTTP 200."""
    row_errors = call.row_errors
    rows: list[list[bytes] | CommandError] = list(call.argvs)
    for index, text in row_errors.items():
        rows[index] = CommandError(text)
    items = endpoint.database.run_each(rows, caller)
    return _batch_response(endpoint, call, items)


def _multi_exec(endpoint: Endpoint, caller: Caller, call: RestCall) -> RestResponse:
    """Atomic. A bad row (unknown, restricted, wrong arity, refused) discards the whole
    transaction with that row's error; runtime errors are items, as in Redis' EXEC."""
    if call.resp2:
        return _json_response(400, error_body(texts.RESP2_WITH_MULTI_EXEC), endpoint)
    queued: list[tuple[Command, list[bytes]]] = []
    for index, argv in enumerate(call.argvs):
        try:
            row_error = call.row_errors.get(index)
            if row_error is not None:
                raise CommandError(row_error)
            cmd = endpoint.database.registry.lookup(argv)
            admit(caller, cmd, argv)
        except CommandError as exc:
            return _json_response(400, error_body(exc.text), endpoint)
        queued.append((cmd, argv))
    items = endpoint.database.run_atomic(queued, caller)
    return _batch_response(endpoint, call, items)


def _batch_response(
    endpoint: Endpoint, call: RestCall, items: Sequence[Reply | ErrorReply]
) -> RestResponse:
    if call.resp2:
        return _raw_response(200, b"".join(to_resp2(item) for item in items), endpoint)
    base64 = call.base64
    rendered = batch_items(items, base64)
    content = ("[" + ",".join(rendered) + "]").encode()
    if _response_too_large(endpoint, len(content)) is not None:
        rendered = [_within_limit(endpoint, text) for text in rendered]
        content = ("[" + ",".join(rendered) + "]").encode()
    return make_response(200, content, JSON_TYPE, endpoint)


def _within_limit(endpoint: Endpoint, item: str) -> str:
    """A batch item whose reply alone exceeds the size limit becomes that error."""
    too_big = _response_too_large(endpoint, len(item))
    return item if too_big is None else encode_json(error_body(too_big)).decode()


# ---- running one command ------------------------------------------------------------------


def run_command(endpoint: Endpoint, caller: Caller, argv: list[bytes]) -> Reply:
    """Look up, admit (the caller's rights, Upstash's limits), then run."""
    database = endpoint.database
    cmd = database.registry.lookup(argv)
    admit(caller, cmd, argv)
    return database.run(cmd, argv, caller=caller)


def _response_too_large(endpoint: Endpoint, size: int) -> str | None:
    limit = endpoint.limits.max_request_size
    if limit is not None and size > limit:
        return texts.request_too_large(limit, size)
    return None
