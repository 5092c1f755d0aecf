#!/usr/bin/env python3
"""Raw FastCGI records sent straight to a Hyper app's unix socket, for Hyper's tests.

Usage: hostile-peer.py SOCKET CASE
Prints one JSON object: what came back ("records": [[type, request_id, content_hex], ...],
"closed": whether the app closed the connection) and, after it, whether the app still answers
an ordinary request on a new connection ("still_serving").
"""
import json
import socket
import struct
import sys
import time

BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR, DATA, GET_VALUES, GET_VALUES_RESULT, UNKNOWN = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)


def record(kind, content=b"", request_id=1, version=1, padding=0):
    header = struct.pack(">BBHHBB", version, kind, request_id, len(content), padding, 0)
    return header + content + b"\0" * padding


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pairs(items):
    return b"".join(length(len(k)) + length(len(v)) + k + v for k, v in items)


def begin(role=1, flags=0, request_id=1):
    return record(BEGIN, struct.pack(">HB5x", role, flags), request_id)


def params(items, request_id=1):
    body = pairs(items)
    return record(PARAMS, body, request_id) + record(PARAMS, b"", request_id)


HELLO = [(b"REQUEST_METHOD", b"GET"), (b"DOCUMENT_URI", b"/hello"), (b"QUERY_STRING", b"")]


def request(items=HELLO, request_id=1, role=1, flags=0):
    return begin(role, flags, request_id) + params(items, request_id) + record(STDIN, b"", request_id)


def exchange(path, payload, shut_write=False, timeout=3.0):
    """Sends payload (bytes, or a list of parts sent 0.2 s apart), half-closes the connection if
    asked (an end-of-file for the app), then reads records until the app closes or goes quiet."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    connection.connect(path)
    received, closed = b"", False
    try:
        for index, part in enumerate(payload if isinstance(payload, list) else [payload]):
            if index:
                time.sleep(0.2)
            connection.sendall(part)
        if shut_write:
            connection.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        connection.close()
        return [], True  # the app refused the input before it was all sent
    try:
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                closed = True
                break
            received += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    connection.close()
    return parse(received), closed


def parse(data):
    records, offset = [], 0
    while offset + 8 <= len(data):
        version, kind, request_id, size, padding, _ = struct.unpack(">BBHHBB", data[offset:offset + 8])
        records.append([kind, request_id, data[offset + 8:offset + 8 + size].hex()])
        offset += 8 + size + padding
    return records


def stdout_text(records, request_id=1):
    return b"".join(bytes.fromhex(c) for k, i, c in records if k == STDOUT and i == request_id).decode("latin-1")


CASES = {
    # CVE-2025-23016: name and value lengths of 0x7ffffffe overflow libfcgi's Malloc size.
    "params-length-overflow": lambda: begin() + record(PARAMS, length(0x7FFFFFFE) + length(0x7FFFFFFE) + b"x" * 64),
    # Ten FCGI_MPXS_CONNS overflow libfcgi's 64-byte GET_VALUES reply buffer.
    "get-values-overflow": lambda: record(GET_VALUES, pairs([(b"FCGI_MPXS_CONNS", b"")] * 10), request_id=0),
    # All three variables, then a request (libfcgi answers once more bytes follow the record).
    "get-values-three": lambda: record(
        GET_VALUES, pairs([(b"FCGI_MAX_CONNS", b""), (b"FCGI_MAX_REQS", b""), (b"FCGI_MPXS_CONNS", b"")]), request_id=0)
    + request(),
    "begin-then-eof": lambda: begin(),
    "abort-during-body": lambda: [begin() + params(HELLO + [(b"CONTENT_LENGTH", b"10")]) + record(STDIN, b"12345"),
                                  record(ABORT, b"")],
    "unknown-type": lambda: record(99, b"", request_id=0),
    "unknown-role": lambda: request(role=9),
    "second-begin-busy": lambda: begin() + params(HELLO + [(b"CONTENT_LENGTH", b"4")]) + begin(request_id=2)
    + record(STDIN, b"abcd") + record(STDIN, b""),
    "version-2": lambda: record(BEGIN, struct.pack(">HB5x", 1, 0), version=2) + params(HELLO) + record(STDIN, b""),
    "length-127": lambda: request(HELLO + [(b"HTTP_X_PAD", b"v" * 127), (b"N" * 127, b"")]),
    "length-128": lambda: request(HELLO + [(b"HTTP_X_PAD", b"v" * 128), (b"N" * 128, b"")]),
    # Lengths of 0x40000000: name + value + 2 overflows libfcgi's int size.
    "params-length-0x40000000": lambda: begin() + record(PARAMS, length(0x40000000) + length(0x40000000) + b"x" * 64),
    # A second begin-request (libfcgi ignores it on a busy connection) before request 1's parameters.
    "second-begin-bypass": lambda: begin() + begin(request_id=2)
    + record(PARAMS, struct.pack(">II", 0xC0000000, 0xC0000000)),
    "nul-in-uri": lambda: request([(b"REQUEST_METHOD", b"GET"), (b"DOCUMENT_URI", b"/about\0x"), (b"QUERY_STRING", b"")]),
    "headers-2000": lambda: request(HELLO + [(b"HTTP_X_H%d" % i, b"v") for i in range(2000)]),
    "headers-65535": lambda: begin() + b"".join(
        record(PARAMS, pairs([(b"HTTP_X_H%d" % i, b"") for i in range(start, min(start + 4000, 65535))]))
        for start in range(0, 65535, 4000)) + record(PARAMS, b"") + record(STDIN, b""),
    "big-response": lambda: request([(b"REQUEST_METHOD", b"GET"), (b"DOCUMENT_URI", b"/slow"),
                                     (b"QUERY_STRING", b"ms=0&bytes=66000")]),
}


def flood(path, first, repeated, limit=64 << 20):
    """Sends first, then repeated over and over until the app closes the connection or limit bytes
    have gone; returns how many bytes were sent and whether the app closed it."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(5.0)
    connection.connect(path)
    sent, closed = 0, False
    try:
        connection.sendall(first)
        sent += len(first)
        while sent < limit:
            chunk = repeated(sent)
            connection.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    except socket.timeout:
        pass
    if not closed:
        try:
            closed = connection.recv(65536) == b""
        except (ConnectionResetError, socket.timeout):
            closed = True
    connection.close()
    return sent, closed


def stalled_connections(path, count=20):
    """Opens count connections that send a begin-request and then nothing, then asks for /hello on
    a new connection: reports whether and how fast it was served while they stalled, and how many
    of them the app closed within 5 seconds."""
    stalled = []
    for _ in range(count):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(path)
        connection.sendall(begin())
        stalled.append(connection)
    started = time.monotonic()
    records, _ = exchange(path, request(), timeout=5.0)
    served_ms = (time.monotonic() - started) * 1000
    closed = 0
    deadline = time.monotonic() + 5.0
    for connection in stalled:
        connection.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if connection.recv(1) == b"":
                closed += 1
        except (socket.timeout, ConnectionResetError):
            pass
        connection.close()
    return {"served": stdout_text(records).endswith("Hello, world!"), "served_ms": served_ms, "stalled_closed": closed}


def trickle(path, interval=0.3):
    """Sends a whole request one byte every interval seconds; reports when the app closed it."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    started, closed_after = time.monotonic(), None
    for byte in request():
        try:
            connection.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - started
            break
        time.sleep(interval)
    connection.close()
    return {"closed_after_s": closed_after}


MIB = 1 << 20
VALUE_60K = pairs([(b"A", b"v" * 60000)])


def main():
    path, case = sys.argv[1], sys.argv[2]
    result = {}
    if case == "endless-params":
        result["sent"], result["closed"] = flood(path, begin(), lambda _: record(PARAMS, VALUE_60K))
    elif case == "begin-every-3mib":
        # A new begin-request (another id) after every 3 MiB of parameters for request 1.
        result["sent"], result["closed"] = flood(
            path, begin(), lambda sent: record(PARAMS, VALUE_60K)
            + (begin(request_id=2 + sent // (3 * MIB)) if sent % (3 * MIB) < 60100 else b""))
    elif case == "stalled-connections":
        result.update(stalled_connections(path))
    elif case == "trickle":
        result.update(trickle(path))
    elif case == "truncations":
        # Every prefix of a whole request, the connection closed after it: nothing may be served.
        whole = request()
        statuses = []
        for cut in range(1, len(whole)):
            records, _ = exchange(path, whole[:cut], shut_write=True, timeout=1.0)
            text = stdout_text(records)
            if text:
                statuses.append(text.split("\r\n", 1)[0])
        result["prefixes"] = len(whole) - 1
        result["cut_inside_body"] = len(record(STDIN, b""))
        result["statuses"] = statuses
    else:
        # Only a connection that must end early is half-closed: the app takes a half-close for a
        # client that hung up, as nginx never half-closes.
        records, closed = exchange(path, CASES[case](), shut_write=case in ("begin-then-eof", "truncations"))
        result["records"] = records
        result["closed"] = closed
        result["stdout"] = stdout_text(records)
        result["largest_record"] = max([len(c) // 2 for _, _, c in records], default=0)
    after, _ = exchange(path, request())
    result["still_serving"] = stdout_text(after).endswith("Hello, world!")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
