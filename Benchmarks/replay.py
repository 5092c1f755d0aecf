"""Resume benchmarks for bench.py, through nginx to hyper-demo's chat: a client that missed 1,000
messages resumes, and a reconnect storm of subscribers cut at once that resume with their
Last-Event-ID. Every resumed sequence is checked against what was published.

Chat is for the signed-in: `run` signs in once per port (as user 1, demo_session), and every
stream, post and cut carries that session's cookie (and, unsafe, its CSRF token)."""

import asyncio
import concurrent.futures
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request

import demo_session

MESSAGE_ID = re.compile(rb"event: message\nid: (\d+)\n")
RESET_ID = re.compile(rb"event: reset\nid: (\d+)\n")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


_sessions = {}
_sessions_lock = threading.Lock()


def session(port):
    """The session this module uses at `port`, signed in on first use."""
    with _sessions_lock:
        if port not in _sessions:
            _sessions[port] = demo_session.sign_in(port)
        return _sessions[port]


def post(port, room, text):
    """Posts one chat message; returns its id."""
    body = urllib.parse.urlencode({"text": text}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/chat/{room}/messages", data=body,
                                     headers=session(port).headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.read().decode().removeprefix("Published as event ").rstrip("."))


def cut(port, room):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/debug/chat/{room}/cut", data=b"",
                                     headers=session(port).headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


async def read_stream(port, room, last_id, until_id, ids):
    """Reads /chat/ROOM/stream resuming after `last_id` (HTTP/1.0: the body ends with the stream),
    appending each message id to `ids`, until it has `until_id` or the stream ends."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /chat/{room}/stream HTTP/1.0\r\nHost: bench\r\nAccept: text/event-stream\r\n"
                 f"Cookie: {session(port).cookie}\r\nLast-Event-ID: {last_id}\r\n\r\n".encode())
    buffer = b""
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return False
            buffer += chunk
            events = buffer.split(b"\n\n")
            buffer = events.pop()
            for event in events:
                reset = RESET_ID.search(event + b"\n")
                if reset:
                    ids.append(("reset", int(reset.group(1))))
                    continue
                match = MESSAGE_ID.search(event + b"\n")
                if match:
                    ids.append(int(match.group(1)))
                    if ids[-1] == until_id:
                        return True
    finally:
        writer.close()


def resume(port, missed=1000, rounds=9):
    """Time from connect to the last of `missed` messages, for a client resuming before them."""
    room = "bench-resume"
    published = [post(port, room, f"missed {number}") for number in range(missed)]
    times = []
    for _ in range(rounds):
        ids = []
        started = time.perf_counter()
        asyncio.run(read_stream(port, room, published[0] - 1, published[-1], ids))
        times.append((time.perf_counter() - started) * 1000)
        if ids != published:
            raise RuntimeError(f"resume: got {len(ids)} ids, not the {missed} published")
    return {"missed": missed, "rounds": rounds, "median_ms": statistics.median(times), "min_ms": min(times)}


async def storm_async(port, subscribers, before, during):
    room = "bench-storm"
    loop = asyncio.get_running_loop()
    start = await loop.run_in_executor(None, post, port, room, "start")
    published = []
    sequences = [[] for _ in range(subscribers)]
    caught_up = [None] * subscribers
    final = asyncio.get_running_loop().create_future()
    cut_at = [None]

    async def subscriber(index):
        ids = sequences[index]
        ended = await read_stream(port, room, start, None, ids)  # runs until the cut ends it
        target = await final
        last = ids[-1] if ids else start
        if not ids or ids[-1] != target:
            await read_stream(port, room, last, target, ids)
        caught_up[index] = time.perf_counter() - cut_at[0]
        return ended

    tasks = [asyncio.create_task(subscriber(index)) for index in range(subscribers)]
    await asyncio.sleep(2 + subscribers / 500)
    for number in range(before):
        published.append(await loop.run_in_executor(None, post, port, room, f"before {number}"))
    cut_at[0] = time.perf_counter()
    await loop.run_in_executor(None, cut, port, room)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as posters:
        posts = [loop.run_in_executor(posters, post, port, room, f"during {number}") for number in range(during)]
        published += sorted(await asyncio.gather(*posts))
    posted = (time.perf_counter() - cut_at[0]) * 1000
    final.set_result(published[-1])
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    exact = sum(1 for ids in sequences if ids == published)
    delays = [value * 1000 for value in caught_up if value is not None]
    return {"subscribers": subscribers, "published": len(published), "every_message_once_in_order": exact,
            "posting_during_cut_ms": posted,
            "caught_up_p50_ms": percentile(delays, 0.5), "caught_up_p99_ms": percentile(delays, 0.99),
            "caught_up_max_ms": max(delays)}


def storm(port, subscribers=1000, before=20, during=50):
    """`subscribers` chat streams; the server cuts them all at once, then `during` messages are
    posted by 8 threads; each stream reconnects at once with its Last-Event-ID. Time from the cut
    until each has the last message (posting itself takes `posting_during_cut_ms` of it)."""
    return asyncio.run(storm_async(port, subscribers, before, during))


async def fan_out_async(port, subscribers, posts, rate):
    room = f"bench-fan-{subscribers}"
    loop = asyncio.get_running_loop()
    start = await loop.run_in_executor(None, post, port, room, "start")
    sequences = [[] for _ in range(subscribers)]
    final = loop.create_future()

    async def subscriber(index):
        ids = sequences[index]
        await read_stream(port, room, start, None, ids)  # until the cut ends it
        target = await final
        last = next((entry[1] if isinstance(entry, tuple) else entry for entry in reversed(ids)), start)
        if last != target:
            await read_stream(port, room, last, target, ids)

    tasks = [asyncio.create_task(subscriber(index)) for index in range(subscribers)]
    await asyncio.sleep(2 + subscribers / 500)
    began = time.perf_counter()
    published = []
    for number in range(posts):
        published.append(await loop.run_in_executor(None, post, port, room, f"fan {number}"))
        await asyncio.sleep(max(0, began + (number + 1) / rate - time.perf_counter()))
    posted = time.perf_counter() - began
    await loop.run_in_executor(None, cut, port, room)  # ends the streams once everything is out
    final.set_result(published[-1])
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
    elapsed = time.perf_counter() - began
    exact = sum(1 for ids in sequences if ids == published)
    reset = sum(1 for ids in sequences if any(isinstance(entry, tuple) for entry in ids))
    delivered = sum(sum(1 for entry in ids if not isinstance(entry, tuple)) for ids in sequences)
    return {"subscribers": subscribers, "posts": posts, "post_rate": round(posts / posted),
            "every_message": exact, "reset": reset, "silent_gap": subscribers - exact - reset,
            "events_per_second": round(delivered / elapsed)}


def fan_out(port, subscribers, posts=200, rate=400):
    """`subscribers` chat streams of one room while `posts` messages are posted at `rate` a second;
    then the room's streams are cut and any subscriber short of the last message resumes. Each
    must end with every message, in order, or with a reset; events delivered per second."""
    return asyncio.run(fan_out_async(port, subscribers, posts, rate))


def run(port):
    session(port)  # signed in before anything is timed
    results = {}
    print("  resume after 1,000 missed messages ...", flush=True)
    results["resume"] = resume(port)
    print(f"    {results['resume']}", flush=True)
    print("  reconnect storm of 1,000 subscribers ...", flush=True)
    results["storm"] = storm(port)
    print(f"    {results['storm']}", flush=True)
    results["fan_out"] = []
    for subscribers in (500, 5000):
        print(f"  fan-out to {subscribers} chat subscribers ...", flush=True)
        results["fan_out"].append(fan_out(port, subscribers))
        print(f"    {results['fan_out'][-1]}", flush=True)
    return results
