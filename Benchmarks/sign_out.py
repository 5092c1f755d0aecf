#!/usr/bin/env python3
"""Sign-out to stream end (issue 22): how long after a POST /logout every open stream of the
session, on every instance, receives its last event (`event: signed-out`) and closes.

A private PostgreSQL server (scripts/private-postgres) and two `hyper-demo --postgres` instances,
each behind its own private nginx (scripts/private-nginx: the shipped template, one worker,
127.0.0.1 on a free port, kept upstream connections). Each round signs in once (POST /login on
instance 1; the 303's cookie), reads the CSRF token from a page, opens STREAMS/2 streams of
/notifications/stream on each instance with that cookie (HTTP/1.0, one epoll loop, non-blocking
sockets), waits until every stream has sent its first event ("Connected to notifications"), then
sends POST /logout (cookie and X-CSRF-Token) to instance 1. For each stream the time from the
logout's send to the select() that found `event: signed-out` readable is recorded, and then that
the stream closed. Streams of instance 1 hear the revocation in process; those of instance 2
through PostgreSQL. Figures per round: p50, p99 and max over all streams (and per instance); the
report gives the median of the rounds.

Unless --skip-memory, every round also measures the same on one in-memory instance holding all
STREAMS streams (its own nginx), interleaved with the PostgreSQL pair (alternating which goes
first), as the figure without PostgreSQL taken under the same load.

Everything is on 127.0.0.1 or unix sockets; each phase is bounded in time (--timeout) and the
whole run by --budget; every process started here is stopped by its PID.

Usage: python3 Benchmarks/sign_out.py [--hyper BINARY] [--streams N] [--rounds N] [--skip-memory]
                                      [--json PATH] [--nice N]
"""
import argparse
import http.client
import json
import os
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import demo_session
from bench import Processes
from stalled_peers import free_port
from streams import percentile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRST_EVENT = b"Connected to notifications"
SIGNED_OUT = b"event: signed-out\ndata: signed-out\n\n"


class BenchError(RuntimeError):
    pass


def start_instance(processes, log, prefix, name, hyper, url=None):
    """One hyper-demo on PREFIX/NAME.sock behind its own nginx; returns the nginx port and the demo."""
    sock = os.path.join(prefix, f"{name}.sock")
    command = [hyper, "--socket", sock, "--log-level", "warning", "--max-streams", "10000"]
    demo = processes.start(command + (["--postgres", url] if url else []), log)
    nginx_prefix = os.path.join(prefix, f"nginx-{name}")
    port = free_port()
    config = subprocess.run([os.path.join(ROOT, "scripts/private-nginx"), nginx_prefix, str(port), sock],
                            capture_output=True, text=True, check=True).stdout.strip()
    processes.start(["nginx", "-p", nginx_prefix, "-c", config, "-e", os.path.join(nginx_prefix, "error.log")], log)
    deadline = time.monotonic() + 60
    while True:
        if demo.poll() is not None:
            raise BenchError(f"hyper-demo {name} exited ({demo.returncode}); see {prefix}/processes.log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/hello")
            if connection.getresponse().status == 200:
                connection.close()
                return port, demo
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"hyper-demo {name} did not answer through nginx on port {port} within 60 s")
        time.sleep(0.2)


class Stream:
    __slots__ = ("sock", "instance", "data", "ready", "signed_out", "closed", "failed")

    def __init__(self, sock, instance):
        self.sock, self.instance, self.data = sock, instance, b""
        self.ready = self.signed_out = self.closed = self.failed = None


def round_trip(ports, streams_each, session, timeout):
    """One round: streams_each streams on each port, all ready, then POST /logout to ports[0].
    Returns the figures of the round."""
    selector = selectors.DefaultSelector()
    request = (f"GET /notifications/stream HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
               f"Cookie: {session.cookie}\r\n\r\n").encode()
    pending = [(instance, port) for _ in range(streams_each) for instance, port in enumerate(ports)]
    streams, opening, ready = [], 0, 0
    deadline = time.monotonic() + timeout

    def open_one(instance, port):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        stream = Stream(sock, instance)
        streams.append(stream)
        selector.register(sock, selectors.EVENT_WRITE, stream)

    try:
        # Open every stream (at most 200 still opening at once) and wait for its first event.
        while ready < len(pending):
            while pending and opening < 200 and len(streams) < len(pending):
                instance, port = pending[len(streams)]
                open_one(instance, port)
                opening += 1
            if time.monotonic() > deadline:
                raise BenchError(f"only {ready} of {len(pending)} streams sent their first event within {timeout} s")
            for key, mask in selector.select(timeout=1):
                stream = key.data
                if mask & selectors.EVENT_WRITE:
                    error = stream.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if error:
                        raise BenchError(f"a stream could not connect: {os.strerror(error)}")
                    stream.sock.sendall(request)
                    selector.modify(stream.sock, selectors.EVENT_READ, stream)
                    continue
                chunk = stream.sock.recv(65536)
                if not chunk:
                    raise BenchError(f"a stream closed before its first event: {stream.data[:300]!r}")
                stream.data += chunk
                if stream.ready is None and FIRST_EVENT in stream.data:
                    if not stream.data.startswith(b"HTTP/1.1 200"):
                        raise BenchError(f"a stream answered {stream.data[:200]!r}")
                    stream.ready = time.monotonic()
                    ready += 1
                    opening -= 1
        time.sleep(0.5)
        # Drain anything sent since (heartbeats are 15 s apart; nothing is expected).
        for key, _ in selector.select(timeout=0):
            chunk = key.data.sock.recv(65536)
            if not chunk:
                raise BenchError(f"a stream closed before the logout: {key.data.data[-300:]!r}")
            key.data.data += chunk
        # Sign out on instance 1, timing from the moment its request is sent.
        logout = socket.create_connection(("127.0.0.1", ports[0]), timeout=timeout)
        logout.setblocking(False)
        logout_request = (f"POST /logout HTTP/1.0\r\nHost: 127.0.0.1\r\n{session.header_lines()}"
                          f"Content-Length: 0\r\n\r\n").encode()
        logout_answer = [b"", None]
        selector.register(logout, selectors.EVENT_READ, None)
        sent = time.monotonic()
        logout.sendall(logout_request)
        open_streams = len(streams)
        deadline = sent + timeout
        while (open_streams or logout_answer[1] is None) and time.monotonic() < deadline:
            events = selector.select(timeout=0.5)
            seen = time.monotonic()  # when this select found them readable, before reading any
            for key, _ in events:
                if key.data is None:
                    chunk = logout.recv(65536)
                    logout_answer[0] += chunk
                    if not chunk:
                        logout_answer[1] = seen
                        selector.unregister(logout)
                    continue
                stream = key.data
                try:
                    chunk = stream.sock.recv(65536)
                except ConnectionError as error:
                    chunk, stream.failed = b"", str(error)
                if chunk:
                    stream.data += chunk
                    if stream.signed_out is None and SIGNED_OUT in stream.data:
                        stream.signed_out = seen
                    continue
                stream.closed = seen
                selector.unregister(stream.sock)
                open_streams -= 1
        status = logout_answer[0].split(b"\r\n", 1)[0].decode(errors="replace")
        if not status.startswith("HTTP/1.1 303"):
            raise BenchError(f"POST /logout answered {status!r}")
    finally:
        for stream in streams:
            stream.sock.close()
        selector.close()

    def figures(group):
        latencies = [(s.signed_out - sent) * 1000 for s in group if s.signed_out is not None]
        closes = [(s.closed - sent) * 1000 for s in group if s.closed is not None]
        ended_last = [s for s in group if s.signed_out is not None and s.data.endswith(SIGNED_OUT)]
        return {
            "streams": len(group), "signed_out": len(latencies), "closed": len(closes),
            "signed_out_last": len(ended_last),
            "p50_ms": percentile(latencies, 0.50), "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies) if latencies else None,
            "closed_max_ms": max(closes) if closes else None,
        }

    result = figures(streams)
    result["logout_answered_ms"] = (logout_answer[1] - sent) * 1000 if logout_answer[1] else None
    if len(ports) > 1:
        result["per_instance"] = [figures([s for s in streams if s.instance == i]) for i in range(len(ports))]
    return result


def describe(label, figures):
    line = (f"{label}: {figures['signed_out']}/{figures['streams']} got signed-out"
            f" ({figures['signed_out_last']} as their last event), {figures['closed']} closed;"
            f" p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms")
    if figures.get("logout_answered_ms") is not None:
        line += f"; the logout answered after {figures['logout_answered_ms']:.1f} ms"
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hyper", default=os.path.join(ROOT, ".build/release/hyper-demo"))
    parser.add_argument("--streams", type=int, default=1000, help="streams of the one session (half per instance)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=30, help="seconds each phase of a round may take")
    parser.add_argument("--budget", type=float, default=900, help="seconds the whole run may take")
    parser.add_argument("--skip-memory", action="store_true", help="no in-memory instance for comparison")
    parser.add_argument("--nice", type=int, default=0, help="niceness of the servers started (and this client)")
    parser.add_argument("--json", default=os.path.join(ROOT, "Benchmarks/results/sign_out.json"))
    arguments = parser.parse_args()
    if arguments.streams < 2 or arguments.streams % 2:
        parser.error("--streams must be an even number of at least 2")
    if not os.access(arguments.hyper, os.X_OK):
        parser.error(f"{arguments.hyper} is not an executable hyper-demo (build it, or pass --hyper)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = arguments.streams + 200
    if hard != resource.RLIM_INFINITY and hard < needed:
        sys.exit(f"sign_out.py: {arguments.streams} streams need {needed} descriptors; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it too
    if arguments.nice:
        os.nice(arguments.nice)

    def over_budget(signal_number, frame):
        raise BenchError(f"the run took longer than its budget ({arguments.budget:.0f} s)")

    signal.signal(signal.SIGALRM, over_budget)
    signal.signal(signal.SIGTERM, lambda signal_number, frame: sys.exit("sign_out.py: terminated"))
    signal.alarm(int(arguments.budget))
    began = time.monotonic()
    prefix = tempfile.mkdtemp(prefix="hyper-sign-out.")
    os.chmod(prefix, 0o755)  # the postgres user and nginx's worker reach the sockets inside
    folder = os.path.join(prefix, "postgres")
    processes = Processes()  # the servers inherit this process's niceness (--nice)
    log = open(os.path.join(prefix, "processes.log"), "w")
    postgres_started = False
    rounds = {"postgres": [], "memory": []}
    try:
        started = subprocess.run([os.path.join(ROOT, "scripts/private-postgres"), "start", folder],
                                 capture_output=True, text=True)
        if started.returncode != 0:
            raise BenchError(f"scripts/private-postgres could not start a server: {started.stderr.strip()}")
        postgres_started = True
        url = started.stdout.split()[1]
        shared = [start_instance(processes, log, prefix, f"pg-{index}", arguments.hyper, url)[0] for index in (1, 2)]
        memory = None if arguments.skip_memory else start_instance(processes, log, prefix, "memory", arguments.hyper)[0]
        with open("/proc/loadavg") as load:
            print(f"sign_out.py: {arguments.streams} streams of one session, {arguments.rounds} round(s);"
                  f" load average {load.read().split()[0]}", flush=True)
        for index in range(arguments.rounds):
            order = ["postgres", "memory"] if memory else ["postgres"]
            if index % 2:
                order.reverse()
            for kind in order:
                ports = shared if kind == "postgres" else [memory]
                session = demo_session.sign_in(ports[0])
                figures = round_trip(ports, arguments.streams // len(ports), session, arguments.timeout)
                rounds[kind].append(figures)
                label = ("PostgreSQL, 2 instances" if kind == "postgres" else "in memory, 1 instance")
                print(f"  round {index + 1}, {describe(label, figures)}", flush=True)
                for number, part in enumerate(figures.get("per_instance", []), 1):
                    where = "the logout's instance" if number == 1 else "through PostgreSQL"
                    print(f"    instance {number} ({where}): {describe('', part)[2:]}", flush=True)
                time.sleep(1)
    finally:
        signal.alarm(0)
        processes.stop_all()
        log.close()
        if postgres_started:
            subprocess.run([os.path.join(ROOT, "scripts/private-postgres"), "stop", folder], check=False)
        shutil.rmtree(prefix, ignore_errors=True)
    summary = {}
    for kind, trials in rounds.items():
        if not trials:
            continue
        summary[kind] = {key: statistics.median(t[key] for t in trials)
                         for key in ("p50_ms", "p99_ms", "max_ms", "closed_max_ms", "logout_answered_ms")}
        summary[kind]["signed_out"] = [t["signed_out"] for t in trials]
        summary[kind]["closed"] = [t["closed"] for t in trials]
        if kind == "postgres":
            for number in (0, 1):
                summary[kind][f"instance_{number + 1}"] = {
                    key: statistics.median(t["per_instance"][number][key] for t in trials)
                    for key in ("p50_ms", "p99_ms", "max_ms")}
    elapsed = time.monotonic() - began
    print(f"Medians of {arguments.rounds} round(s) ({elapsed:.0f} s in all):")
    for kind, figures in summary.items():
        print(f"  {kind}: p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms,"
              f" max {figures['max_ms']:.1f} ms, last close {figures['closed_max_ms']:.1f} ms,"
              f" logout answered {figures['logout_answered_ms']:.1f} ms;"
              f" got signed-out per round {figures['signed_out']}, closed {figures['closed']}")
        for number in (1, 2):
            part = figures.get(f"instance_{number}")
            if part:
                print(f"    instance {number}: p50 {part['p50_ms']:.1f} ms, p99 {part['p99_ms']:.1f} ms,"
                      f" max {part['max_ms']:.1f} ms")
    if "postgres" in summary and "memory" in summary:
        print(f"  p99 PostgreSQL / in memory: {summary['postgres']['p99_ms'] / summary['memory']['p99_ms']:.2f}")
    os.makedirs(os.path.dirname(arguments.json), exist_ok=True)
    with open(arguments.json, "w") as output:
        json.dump({"streams": arguments.streams, "rounds": rounds, "summary": summary, "seconds": elapsed},
                  output, indent=2)
    incomplete = [t for trials in rounds.values() for t in trials
                  if t["signed_out"] < t["streams"] or t["closed"] < t["streams"]]
    if incomplete:
        print(f"sign_out.py: {len(incomplete)} round(s) had streams that did not get signed-out or did not close",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"sign_out.py: {error}")
