"""A small blocking HTTP client over wasi:http/outgoing-handler.

The host checks every request against the component's `http` grant (origin, method, path, size,
count, time) and records it; what it refuses comes back as `Refused`, and host-managed headers
(`authorization`, `cookie`, ...) are dropped: the host attaches the operator's credential."""
from urllib.parse import urlsplit

from componentize_py_types import Err
from wit_world.imports import outgoing_handler, streams, wasi_http_types as h

METHODS = {"GET": h.Method_Get(), "HEAD": h.Method_Head(), "POST": h.Method_Post(),
           "PUT": h.Method_Put(), "PATCH": h.Method_Patch(), "DELETE": h.Method_Delete()}


class Failed(Exception):
    """The request failed after it may have left the host (timeout, connection, protocol)."""


class Refused(Failed):
    """The host refused the request before sending it (grant, size, budget)."""


def fetch(method, url, headers=(), body=None):
    """Sends one request; returns (status, [(name, value bytes)], body bytes)."""
    parts = urlsplit(url)
    request = h.OutgoingRequest(h.Fields.from_list([(k, v.encode()) for k, v in headers]))
    request.set_method(METHODS[method])
    request.set_scheme(h.Scheme_Https() if parts.scheme == "https" else h.Scheme_Http())
    request.set_authority(parts.netloc)
    request.set_path_with_query((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    outgoing = request.body()
    with outgoing.write() as stream:
        for i in range(0, len(body or b""), 4096):
            stream.blocking_write_and_flush(body[i:i + 4096])
    h.OutgoingBody.finish(outgoing, None)
    future = outgoing_handler.handle(request, None)
    with future.subscribe() as ready:
        ready.block()
    answer = future.get().value
    if isinstance(answer, Err):
        code = answer.value
        raise (Refused if _refused(code) else Failed)(_describe(code))
    response = answer.value
    status, response_headers = response.status(), response.headers().entries()
    data = bytearray()
    with response.consume() as incoming, incoming.stream() as stream:
        while True:
            try:
                data += stream.blocking_read(65536)
            except Err as e:
                if isinstance(e.value, streams.StreamError_Closed):
                    break
                raise Failed("the response body broke off")
    return status, response_headers, bytes(data)


def _refused(code):
    """Whether the host refused the request unsent (the reason is in its capability event)."""
    if isinstance(code, h.ErrorCode_HttpRequestDenied):
        return True
    message = getattr(code, "value", None) or ""
    return isinstance(code, h.ErrorCode_InternalError) and message.startswith(
        ("invalid request", "too large: request"))


def _describe(code):
    value = getattr(code, "value", None)
    return type(code).__name__.removeprefix("ErrorCode_") + (f": {value}" if value else "")
