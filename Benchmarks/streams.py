"""Stream benchmarks for bench.py: streams held, hub fan-out and disconnect-to-cancel, all
through nginx on 127.0.0.1, with an asyncio client in this process. Every phase is bounded in
time and count and closes what it opened."""
import asyncio
import json
import re
import resource
import statistics
import time
import urllib.parse
import urllib.request


def raise_descriptor_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


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

    async def events(self):
        """Yields (arrival time, event name, data) for each event."""
        name, data = None, []
        while True:
            line = await self.reader.readline()
            if not line:
                return
            line = line.rstrip(b"\r\n").decode()
            if line == "":
                if data:
                    yield time.time(), name, "\n".join(data)
                name, data = None, []
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])

    def close(self):
        if self.writer:
            self.writer.transport.abort()


async def open_all(port, paths, rate):
    """Opens streams at `rate` per second; returns those that opened and the failure count."""
    streams, failures = [], 0
    async def one(path):
        nonlocal failures
        stream = EventStream(port, path)
        try:
            await asyncio.wait_for(stream.open(), 30)
            streams.append(stream)
        except (OSError, RuntimeError, asyncio.TimeoutError):
            failures += 1
            stream.close()
    pending = []
    for index, path in enumerate(paths):
        pending.append(asyncio.create_task(one(path)))
        if index % 100 == 99:
            await asyncio.sleep(100 / rate)
    await asyncio.gather(*pending)
    return streams, failures


async def hold_streams(port, count, seconds, app_pid, every_ms=1000, rate=2000):
    """N streams of /sse?every_ms=1000 held for `seconds`: ticks received against ticks due, and
    each tick's lateness against its stream's schedule. A stream's start is estimated as its
    earliest arrival minus tick × interval, so lateness is measured from the best case seen."""
    streams, failures = await open_all(port, [f"/sse?every_ms={every_ms}"] * count, rate)
    arrivals = [[] for _ in streams]  # (tick, arrival) per stream
    interval = every_ms / 1000

    async def read(index, stream):
        async for arrival, _, data in stream.events():
            arrivals[index].append((int(data.split()[1]), arrival))

    readers = [asyncio.create_task(read(index, stream)) for index, stream in enumerate(streams)]
    await asyncio.sleep(seconds)
    deadline = time.time() - 0.5  # ticks scheduled before this had half a second to arrive
    rss, threads = process_figures(app_pid)
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    for stream in streams:
        stream.close()
    lateness, received, due = [], 0, 0
    for ticks in arrivals:
        periodic = [(tick, arrival) for tick, arrival in ticks if tick >= 1]
        if not periodic:
            continue
        # Tick 0 goes out as the stream opens, while this client is still opening the others and
        # reads it late: it counts as delivered but not for lateness.
        start = min(arrival - tick * interval for tick, arrival in periodic)
        due += int((deadline - start) // interval) + 1
        received += 1 if any(tick == 0 for tick, _ in ticks) else 0
        for tick, arrival in periodic:
            if start + tick * interval <= deadline:
                received += 1
                lateness.append((arrival - start - tick * interval) * 1000)
    return {
        "streams": count, "established": len(streams), "failed": failures, "seconds": seconds,
        "ticks_received": received, "ticks_due": due,
        "lateness_p50_ms": percentile(lateness, 0.50), "lateness_p99_ms": percentile(lateness, 0.99),
        "backend_rss_mib": round(rss, 1), "backend_threads": threads,
    }


async def fan_out(port, count, publishes, app_pid, rate=2000):
    """N subscribers of one topic; each publish (a timestamp as title) timed to every receipt."""
    user = 4242
    streams, failures = await open_all(port, [f"/notifications/stream?user_id={user}"] * count, rate)
    delays = []
    received = asyncio.Event()
    expected = len(streams) * publishes

    async def read(stream):
        async for arrival, name, data in stream.events():
            if name == "notification":
                sent = float(re.search(r"<strong>([\d.]+)</strong>", data).group(1))
                delays.append((arrival - sent) * 1000)
                if len(delays) >= expected:
                    received.set()

    readers = [asyncio.create_task(read(stream)) for stream in streams]
    await asyncio.sleep(1)
    loop = asyncio.get_running_loop()
    publish_errors = []
    for _ in range(publishes):
        body = urllib.parse.urlencode({"user_id": user, "title": f"{time.time():.6f}", "message": "fan-out"}).encode()
        try:
            await loop.run_in_executor(None, lambda: urllib.request.urlopen(
                urllib.request.Request(f"http://127.0.0.1:{port}/notifications", data=body), timeout=30).read())
        except OSError as error:  # every request thread busy with a stream: the POST waits in the backlog
            publish_errors.append(str(error))
            expected -= len(streams)
        await asyncio.sleep(2)
    try:
        await asyncio.wait_for(received.wait(), 30)
    except asyncio.TimeoutError:
        pass
    rss, threads = process_figures(app_pid)
    for stream in streams:
        stream.close()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return {
        "subscribers": count, "established": len(streams), "failed": failures, "publishes": publishes,
        "publish_errors": publish_errors,
        "received": len(delays), "expected": expected,
        "delay_p50_ms": percentile(delays, 0.50), "delay_p99_ms": percentile(delays, 0.99),
        "delay_max_ms": max(delays) if delays else None, "backend_rss_mib": round(rss, 1),
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


def run(port, app_pid, counts, hold_seconds, publishes, trials):
    raise_descriptor_limit()
    results = {"held": [], "fan_out": []}
    for count in counts:
        print(f"  holding {count} streams for {hold_seconds} s ...", flush=True)
        held = asyncio.run(hold_streams(port, count, hold_seconds, app_pid))
        print(f"    {held}", flush=True)
        results["held"].append(held)
        time.sleep(2)
    for count in counts:
        print(f"  fan-out to {count} subscribers ...", flush=True)
        spread = asyncio.run(fan_out(port, count, publishes, app_pid))
        print(f"    {spread}", flush=True)
        results["fan_out"].append(spread)
        time.sleep(2)
    print(f"  disconnect to cancel, {trials} trials ...", flush=True)
    results["disconnect"] = asyncio.run(disconnects(port, trials))
    print(f"    {results['disconnect']}", flush=True)
    return results
