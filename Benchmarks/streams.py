"""Stream benchmarks for bench.py: streams held, hub fan-out and disconnect-to-cancel, all
through nginx on 127.0.0.1. Held streams and fan-out use Benchmarks/sse-client (C, epoll, one
thread: an asyncio client could not read 10,000 streams on time and measured itself); the
disconnect trials, one stream at a time, use asyncio here. Every phase is bounded in time and
count and closes what it opened.

Notifications are the signed-in's: fan-out signs in (as user 1, demo_session) and subscribes to
that user's own stream with the session's cookie, and publishes with its cookie and CSRF token."""
import asyncio
import json
import subprocess
import time
import urllib.parse
import urllib.request

import demo_session


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def process_figures(pid):
    """Resident memory (MiB) and thread count of a process, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


class EventStream:
    """One SSE stream through nginx, read with HTTP/1.0 so the body is not chunked."""

    def __init__(self, port, path):
        self.port, self.path = port, path
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(f"GET {self.path} HTTP/1.0\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n".encode())
        status = await self.reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream {self.path}: {status!r}")
        while (await self.reader.readline()) not in (b"\r\n", b""):
            pass

    def close(self):
        if self.writer:
            self.writer.transport.abort()


class Client:
    """Benchmarks/sse-client holding `count` streams of `path` (its header comment has the
    protocol): it prints `ready` once they are open and `end` when it has measured, with the
    streams still open so the backend can be sampled; closing its stdin lets it close them and
    print its figures as JSON. It bounds itself in time; the context closes it whatever happens."""

    def __init__(self, binary, mode, port, path, count, budget, rate=2000, connect_timeout=30, cookies=(),
                 **options):
        """`budget`: seconds the client may run once its streams are open (opening them takes
        count / rate seconds and up to connect_timeout more). `port`: one port, or a list of them
        over which the streams are spread in turn; `cookies`: the `Cookie` header's value to send,
        none, one for every port, or one per port."""
        ports = port if isinstance(port, (list, tuple)) else [port]
        command = [binary, mode]
        for each in ports:
            command += ["--port", str(each)]
        for cookie in cookies:
            command += ["--cookie", cookie]
        command += ["--path", path, "--streams", str(count), "--rate", str(rate),
                    "--connect-timeout", str(connect_timeout), "--limit", str(count / rate + connect_timeout + budget)]
        for name, value in options.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()

    def expect(self, word):
        line = self.process.stdout.readline().strip()
        if line != word:
            raise RuntimeError(f"sse-client said {line!r}, not {word!r} (exit {self.process.poll()})")

    def tell(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def figures(self):
        self.process.stdin.close()
        return json.loads(self.process.stdout.readline())


def hold_streams(client, port, count, seconds, app_pid, every_ms=1000):
    """N streams of /sse?every_ms=1000 held for `seconds`: ticks received against ticks due, and
    each tick's lateness against its stream's schedule (estimated from its earliest arrival, see
    sse-client.c). Backend RSS and threads are read at the end of the hold, streams still open."""
    with Client(client, "hold", port, f"/sse?every_ms={every_ms}", count, budget=seconds + 30,
                seconds=seconds, interval_ms=every_ms) as held:
        held.expect("ready")
        held.expect("end")
        rss, threads = process_figures(app_pid)
        result = held.figures()
    result.update({"backend_rss_mib": round(rss, 1), "backend_threads": threads})
    return result


def publish(port, session, user, title, message):
    """Sends a notification to `user` through `port` as `session`; returns the status."""
    body = urllib.parse.urlencode({"user_id": user, "title": title, "message": message}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/notifications", data=body, headers=session.headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def fan_out(client, port, count, publishes, app_pid, sessions=None):
    """N subscribers of one topic (user 1's notifications, with user 1's session); each publish
    (a timestamp as title) timed to every receipt. `port` may be a list, one per instance: the
    subscribers are spread over them and the publishes go to each in turn, each with `sessions`'
    session for it (signed in at each port by default)."""
    ports = port if isinstance(port, (list, tuple)) else [port]
    sessions = sessions or [demo_session.sign_in(each, user_id=1) for each in ports]
    user = 1
    with Client(client, "fanout", ports, "/notifications/stream", count, budget=1 + publishes * 32 + 60, wait=30,
                cookies=[session.cookie for session in sessions]) as subscribers:
        subscribers.expect("ready")
        time.sleep(1)
        publish_errors = []
        for number in range(publishes):
            target = number % len(ports)
            try:
                publish(ports[target], sessions[target], user, f"{time.time():.6f}", "fan-out")
            except OSError as error:  # every request thread busy with a stream: the POST waits in the backlog
                publish_errors.append(str(error))
            time.sleep(2)
        subscribers.tell(f"published {publishes - len(publish_errors)}")
        subscribers.expect("end")
        rss, _ = process_figures(app_pid)
        spread = subscribers.figures()
    return {
        "subscribers": count, "established": spread["established"], "failed": spread["failed"],
        "publishes": publishes, "publish_errors": publish_errors,
        "received": spread["received"], "expected": spread["expected"],
        "delay_p50_ms": spread["delay_p50_ms"], "delay_p99_ms": spread["delay_p99_ms"],
        "delay_max_ms": spread["delay_max_ms"], "backend_rss_mib": round(rss, 1),
    }


def running_route_tasks(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/debug/counts", timeout=5) as response:
        return json.load(response)["runningRouteTasks"]


async def disconnects(port, trials):
    """Closes one open stream at a time and polls the app until its route task has ended."""
    delays = []
    loop = asyncio.get_running_loop()
    for _ in range(trials):
        stream = EventStream(port, "/sse?every_ms=60000")
        await stream.open()
        baseline = await loop.run_in_executor(None, running_route_tasks, port)
        closed = time.time()
        stream.close()
        while time.time() - closed < 5:
            if await loop.run_in_executor(None, running_route_tasks, port) < baseline:
                delays.append((time.time() - closed) * 1000)
                break
    return {"trials": trials, "measured": len(delays), "p50_ms": percentile(delays, 0.5),
            "p99_ms": percentile(delays, 0.99), "max_ms": max(delays) if delays else None}


def run(client, port, app_pid, counts, hold_seconds, publishes, trials):
    """`client` is the sse-client binary."""
    results = {"held": [], "fan_out": []}
    for count in counts:
        print(f"  holding {count} streams for {hold_seconds} s ...", flush=True)
        held = hold_streams(client, port, count, hold_seconds, app_pid)
        print(f"    {held}", flush=True)
        results["held"].append(held)
        time.sleep(2)
    for count in counts:
        print(f"  fan-out to {count} subscribers ...", flush=True)
        spread = fan_out(client, port, count, publishes, app_pid)
        print(f"    {spread}", flush=True)
        results["fan_out"].append(spread)
        time.sleep(2)
    print(f"  disconnect to cancel, {trials} trials ...", flush=True)
    results["disconnect"] = asyncio.run(disconnects(port, trials))
    print(f"    {results['disconnect']}", flush=True)
    return results
