#!/usr/bin/env python3
"""Instructions and allocations per request, counted by valgrind's callgrind: figures that do not
move with the machine's load, unlike requests per second.

Each target (hyper-demo's /hello, /about and /rows, /about signed in, and the bare libfcgi loop)
runs under callgrind on a unix socket in a scratch folder. A raw FastCGI client sends it WARMUP
requests, the counters are zeroed (callgrind_control -z), then it sends REQUESTS requests with
the parameters nginx sends, each on a new connection, and the counters are dumped
(callgrind_control -d). Instructions (Ir) of every thread and calls to malloc, calloc, realloc
and posix_memalign, divided by REQUESTS, are the figures. Every process started here is
stopped by its PID.

What a session costs (issue 22): "/about (signed in)" first signs in with a FastCGI POST /login
(user 1, the demo's password; the 303's Set-Cookie gives the session), then sends the same GET
with `hyper_session=<secret>` added to the Cookie parameter; the page must say "Signed in as".
"/about (no cookie)" sends no Cookie parameter at all (every other target sends a browser's two
cookies that name no session).
The warm-up leaves the session in the instance's cache (a session read within a tenth of the
idle timeout, at most 60 s, costs no store round trip), so the figures are those of a cached
session. --postgres also measures "/about (postgres)" and "/about (postgres, signed in)": the
demo with `--postgres` against a private PostgreSQL server (scripts/private-postgres, in a
scratch folder, stopped by its PID), sessions kept in the table hyper_sessions.

Usage: instructions.py [--requests N] [--json PATH] [--keep DIR] [--only NAME] [--hyper BINARY]
                       [--postgres]
(make bench runs it with --postgres; never part of make test). --keep copies each dump to DIR for
callgrind_annotate; --only measures the named targets alone ("bare", "/hello", "/about", "/rows",
"/about (no cookie)", "/about (signed in)", "/about (postgres)", "/about (postgres, signed in)";
the last two need --postgres).
"""
import argparse
import glob
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HYPER = os.path.join(ROOT, ".build/release/hyper-demo")
BARE = os.path.join(ROOT, ".build/bench/bare-libfcgi")
ALLOCATORS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc"}
WARMUP = 200

BEGIN, PARAMS, STDIN, STDOUT, END = 1, 4, 5, 6, 3


def record(kind, content=b"", request_id=1):
    padding = -len(content) % 8
    return struct.pack(">BBHHBB", 1, kind, request_id, len(content), padding, 0) + content + b"\0" * padding


def pairs(items):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)

    return b"".join(length(len(k)) + length(len(v)) + k + v for k, v in items)


ANONYMOUS_COOKIE = "session=abc123; theme=dark"
SESSION_COOKIE = "hyper_session"


def nginx_like_request(path, method="GET", cookie=ANONYMOUS_COOKIE, body=b"", content_type=""):
    """The records nginx sends for `method` path with Debian's fastcgi_params and a browser's
    headers (a POST's body as STDIN); without a Cookie field when `cookie` is None."""
    items = [
        ("QUERY_STRING", ""), ("REQUEST_METHOD", method), ("CONTENT_TYPE", content_type),
        ("CONTENT_LENGTH", str(len(body)) if body else ""),
        ("SCRIPT_NAME", path), ("REQUEST_URI", path), ("DOCUMENT_URI", path), ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
        ("SERVER_PROTOCOL", "HTTP/1.1"), ("REQUEST_SCHEME", "http"), ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("SERVER_SOFTWARE", "nginx/1.22.1"), ("REMOTE_ADDR", "127.0.0.1"), ("REMOTE_PORT", "51234"),
        ("REMOTE_USER", ""), ("SERVER_ADDR", "127.0.0.1"), ("SERVER_PORT", "8080"), ("SERVER_NAME", "localhost"),
        ("REDIRECT_STATUS", "200"), ("HTTP_HOST", "127.0.0.1:8080"),
        ("HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"),
        ("HTTP_ACCEPT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("HTTP_ACCEPT_LANGUAGE", "en-GB,en;q=0.9"), ("HTTP_ACCEPT_ENCODING", "gzip, deflate, br"),
        ("HTTP_CONNECTION", "keep-alive"), ("HTTP_COOKIE", cookie),
        ("HTTP_UPGRADE_INSECURE_REQUESTS", "1"), ("HTTP_SEC_FETCH_MODE", "navigate"),
    ]
    params = pairs([(k.encode(), v.encode()) for k, v in items if k != "HTTP_COOKIE" or cookie is not None])
    stdin = record(STDIN, body) if body else b""
    return (record(BEGIN, struct.pack(">HB5x", 1, 0)) + record(PARAMS, params) + record(PARAMS) + stdin
            + record(STDIN))


def fetch(socket_path, payload):
    """Sends one request on a new connection; returns its STDOUT bytes once END_REQUEST arrived."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(60)
    connection.connect(socket_path)
    connection.sendall(payload)
    received, stdout = b"", b""
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
        offset, ended = 0, False
        while offset + 8 <= len(received):
            _, kind, _, size, padding, _ = struct.unpack(">BBHHBB", received[offset:offset + 8])
            if offset + 8 + size + padding > len(received):
                break
            if kind == STDOUT:
                stdout += received[offset + 8:offset + 8 + size]
            ended = ended or kind == END
            offset += 8 + size + padding
        received = received[offset:]
        if ended:
            break
    connection.close()
    return stdout


def sign_in(socket_path, user_id=1, password="hyper"):
    """Signs in through POST /login on the demo's socket; returns the session cookie's value."""
    form = f"user_id={user_id}&password={password}".encode()
    response = fetch(socket_path, nginx_like_request(
        "/login", method="POST", body=form, content_type="application/x-www-form-urlencoded"))
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    cookie = re.search(rf"^Set-Cookie: {SESSION_COOKIE}=([^;\r\n]+)", head, re.MULTILINE | re.IGNORECASE)
    if not head.startswith("Status: 303") or not cookie:
        raise RuntimeError(f"POST /login did not sign in: {head[:300]!r}")
    return cookie.group(1)


def wait_for(path, seconds, process=None, log_path=None):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if process is not None and process.poll() is not None:
            tail = open(log_path, errors="replace").read()[-3000:] if log_path else ""
            raise RuntimeError(f"the process exited ({process.returncode}) before {path} appeared:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear within {seconds} s")
        time.sleep(0.05)


def parse_callgrind(path):
    """Total Ir and calls to the allocators in one callgrind dump."""
    total, allocations, names, current_callee = 0, 0, {}, None
    with open(path) as dump:
        for line in dump:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = max(total, int(line.split()[1]))
            match = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
            if match:
                if match.group(2):
                    names[match.group(1)] = match.group(2).strip()
                current_callee = names.get(match.group(1)) if line.startswith("cfn=") else None
                continue
            if line.startswith("calls=") and current_callee in ALLOCATORS:
                allocations += int(line.split("=")[1].split()[0])
    return total, allocations


def without_debug_info(binary, scratch):
    """A copy of binary without its DWARF, which Debian's valgrind cannot read from Swift's
    compiler (symbols stay, so callgrind still names functions)."""
    copy = os.path.join(scratch, os.path.basename(binary))
    subprocess.run(["strip", "--strip-debug", "-o", copy, binary], check=True)
    return copy


def measure(name, command, socket_path, path, requests, scratch, keep=None, signed_in=False,
            cookie=ANONYMOUS_COOKIE):
    """Runs command under callgrind; returns instructions and allocations per request. When
    `signed_in`, signs in first and sends the session's cookie with every request, and checks that
    the page was rendered for the signed-in user."""
    out = os.path.join(scratch, f"{name}.callgrind")
    log_path = os.path.join(scratch, f"{name}.log")
    log = open(log_path, "w")
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--compress-strings=yes"] + command,
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for(socket_path, 120, process, log_path)
        payload = nginx_like_request(path, cookie=cookie)
        if signed_in:
            signed_in_at = time.monotonic()
            secret = sign_in(socket_path)
            payload = nginx_like_request(path, cookie=f"{ANONYMOUS_COOKIE}; {SESSION_COOKIE}={secret}")
        for _ in range(WARMUP):
            fetch(socket_path, payload)
        subprocess.run(["callgrind_control", "-z", str(process.pid)], check=True, capture_output=True)
        for _ in range(requests):
            body = fetch(socket_path, payload)
        if not body.startswith(b"Status: 200"):
            raise RuntimeError(f"{name}: unexpected response {body[:80]!r}")
        if signed_in and b"Signed in as" not in body:
            raise RuntimeError(f"{name}: the page was not rendered for the signed-in user")
        subprocess.run(["callgrind_control", "-d", str(process.pid)], check=True, capture_output=True)
        if signed_in and time.monotonic() - signed_in_at > 60:
            print(f"  note: {name} took over 60 s from sign-in to the last request; its figures include"
                  " the store round trip that refreshes the cached session", file=sys.stderr)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    dumps = sorted(glob.glob(out + ".*"), key=os.path.getmtime)
    dumps = [dump for dump in dumps if not dump.endswith(".log")]
    if not dumps:
        raise RuntimeError(f"{name}: callgrind wrote no dump")
    total, allocations = parse_callgrind(dumps[-1])
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(dumps[-1], os.path.join(keep, f"{name}.callgrind"))
    return {"instructions_per_request": total / requests, "allocations_per_request": allocations / requests}


def private_postgres(scratch):
    """Starts a private PostgreSQL server under scratch (run by the `postgres` user when this
    runs as root, so scratch is opened to it); returns its folder and URL."""
    os.chmod(scratch, 0o755)
    folder = os.path.join(scratch, "postgres")
    started = subprocess.run([os.path.join(ROOT, "scripts/private-postgres"), "start", folder],
                             capture_output=True, text=True)
    if started.returncode != 0:
        raise RuntimeError(f"scripts/private-postgres could not start a server: {started.stderr.strip()}")
    return folder, started.stdout.split()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--json", default=os.path.join(ROOT, "Benchmarks/results/instructions.json"))
    parser.add_argument("--keep", help="a folder to copy each callgrind dump to")
    parser.add_argument("--hyper", default=HYPER, help="the hyper-demo binary to measure (an earlier build, say)")
    parser.add_argument("--only", action="append", help="measure only these targets (repeatable)")
    parser.add_argument("--postgres", action="store_true",
                        help="also /about anonymous and signed in with sessions in a private PostgreSQL")
    arguments = parser.parse_args()
    plain = ["/hello", "/about", "/rows"]
    memory_session = ["/about (no cookie)", "/about (signed in)"]
    postgres_targets = ["/about (postgres)", "/about (postgres, signed in)"]
    known = ["bare"] + plain + memory_session + postgres_targets
    wanted = set(arguments.only or ["bare"] + plain + memory_session + (postgres_targets if arguments.postgres else []))
    unknown = wanted - set(known)
    if unknown:
        parser.error(f"unknown target(s) {sorted(unknown)}; known: {known}")
    if wanted & set(postgres_targets) and not arguments.postgres:
        parser.error(f"{sorted(wanted & set(postgres_targets))} need --postgres")
    results = {}
    with tempfile.TemporaryDirectory(prefix="hyper-instructions.") as scratch:
        hyper = without_debug_info(arguments.hyper, scratch)
        bare_socket = os.path.join(scratch, "bare.sock")
        if "bare" in wanted:
            results["bare /hello"] = measure(
                "bare", [BARE, bare_socket, "2"], bare_socket, "/hello", arguments.requests, scratch,
                arguments.keep)
        for path in [path for path in plain if path in wanted]:
            hyper_socket = os.path.join(scratch, f"hyper{path.replace('/', '-')}.sock")
            results[f"hyper-demo {path}"] = measure(
                f"hyper{path.replace('/', '-')}", [hyper, "--socket", hyper_socket, "--log-level", "warning"],
                hyper_socket, path, arguments.requests, scratch, arguments.keep)
        if "/about (no cookie)" in wanted:
            hyper_socket = os.path.join(scratch, "hyper-about-no-cookie.sock")
            results["hyper-demo /about (no cookie)"] = measure(
                "hyper-about-no-cookie", [hyper, "--socket", hyper_socket, "--log-level", "warning"],
                hyper_socket, "/about", arguments.requests, scratch, arguments.keep, cookie=None)
        if "/about (signed in)" in wanted:
            hyper_socket = os.path.join(scratch, "hyper-about-signed-in.sock")
            results["hyper-demo /about (signed in)"] = measure(
                "hyper-about-signed-in", [hyper, "--socket", hyper_socket, "--log-level", "warning"],
                hyper_socket, "/about", arguments.requests, scratch, arguments.keep, signed_in=True)
        if wanted & set(postgres_targets):
            folder, url = private_postgres(scratch)
            try:
                for target in [target for target in postgres_targets if target in wanted]:
                    signed_in = target.endswith("signed in)")
                    name = "hyper-about-postgres" + ("-signed-in" if signed_in else "")
                    hyper_socket = os.path.join(scratch, f"{name}.sock")
                    results[f"hyper-demo {target}"] = measure(
                        name, [hyper, "--socket", hyper_socket, "--log-level", "warning", "--postgres", url],
                        hyper_socket, "/about", arguments.requests, scratch, arguments.keep, signed_in=signed_in)
            finally:
                subprocess.run([os.path.join(ROOT, "scripts/private-postgres"), "stop", folder], check=False)
    bare = results.get("bare /hello", {}).get("instructions_per_request")
    width = max([22] + [len(name) for name in results])
    print(f"{'target':<{width}} {'instructions/request':>22} {'× bare':>8} {'allocations/request':>20}")
    for name, figures in results.items():
        ratio = f"{figures['instructions_per_request'] / bare:.2f}" if bare else "-"
        print(f"{name:<{width}} {figures['instructions_per_request']:>22,.0f} {ratio:>8} "
              f"{figures['allocations_per_request']:>20.1f}")
    pairs_of_sessions = [("in memory", "hyper-demo /about", "hyper-demo /about (signed in)"),
                         ("PostgreSQL", "hyper-demo /about (postgres)", "hyper-demo /about (postgres, signed in)")]
    for label, anonymous, signed in pairs_of_sessions:
        if anonymous in results and signed in results:
            a, b = results[anonymous], results[signed]
            print(f"/about signed in / anonymous, {label}: "
                  f"{b['instructions_per_request'] / a['instructions_per_request']:.3f} × instructions, "
                  f"{b['allocations_per_request'] / a['allocations_per_request']:.3f} × allocations")
    os.makedirs(os.path.dirname(arguments.json), exist_ok=True)
    with open(arguments.json, "w") as output:
        json.dump({"requests": arguments.requests, "results": results}, output, indent=2)


if __name__ == "__main__":
    sys.exit(main())
