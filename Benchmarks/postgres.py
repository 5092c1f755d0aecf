"""Benchmarks of hubs shared through PostgreSQL, for bench.py: a private PostgreSQL server
(scripts/private-postgres), one in-memory hyper-demo and two hyper-demo instances sharing their
topics through the server, each kind behind its own nginx port on 127.0.0.1.

- fan-out: N subscribers of one topic (spread over the two instances by nginx) and a few
  publishes, each timed to every receipt, against the in-memory single instance, in interleaved
  rounds; medians of the rounds and their ratio.
- sustained publishing through PostgreSQL on one topic and on 100 topics (messages/s), with the
  delivery lag seen meanwhile by one subscriber.
- catch-up: the listening connections are terminated and 10,000 messages committed at once; time
  until a subscriber has all of them.
Every load is bounded in time and count; every process is stopped by its PID."""
import concurrent.futures
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import streams

PORTS = {"memory": 9201, "postgres": 9202}


def nginx_config(prefix, sockets):
    upstreams = "\n".join(
        f"upstream {name} {{ {' '.join(f'server unix:{path};' for path in paths)} keepalive 64; }}"
        for name, paths in sockets.items())
    servers = "\n".join(
        f"server {{ listen 127.0.0.1:{PORTS[name]} backlog=8192; access_log off; location / {{"
        f" include /etc/nginx/fastcgi_params; fastcgi_pass {name}; fastcgi_keep_conn on;"
        f" fastcgi_read_timeout 1h; }} }}" for name in sockets)
    return f"""
daemon off;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log warn;
worker_rlimit_nofile 65536;
events {{ worker_connections 32768; }}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    {upstreams}
    {servers}
}}
"""


def post(port, user, title):
    body = urllib.parse.urlencode({"user_id": user, "title": title, "message": "bench"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/notifications", data=body),
                                timeout=30) as response:
        return response.status


def sustained(client, port, topics, seconds, workers=16):
    """Publishes as fast as `workers` concurrent clients can for `seconds`, to `topics` topics in
    turn, while one subscriber of topic 1 times each of its messages' delivery."""
    with streams.Client(client, "fanout", port, "/notifications/stream?user_id=1", 1,
                        budget=seconds + 90, wait=30) as subscriber:
        subscriber.expect("ready")
        time.sleep(1)
        counts = {"ok": 0, "failed": 0, "to_topic_1": 0}
        lock = threading.Lock()
        deadline = time.time() + seconds

        def publisher(index):
            sequence = index
            while time.time() < deadline:
                user = 1 + sequence % topics
                try:
                    ok = post(port, user, f"{time.time():.6f}") == 200
                except OSError:
                    ok = False
                with lock:
                    counts["ok" if ok else "failed"] += 1
                    if ok and user == 1:
                        counts["to_topic_1"] += 1
                sequence += workers

        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            list(pool.map(publisher, range(workers)))
        elapsed = time.time() - started
        subscriber.tell(f"published {counts['to_topic_1']}")
        subscriber.expect("end")
        lag = subscriber.figures()
    return {"topics": topics, "publishers": workers, "seconds": round(elapsed, 1),
            "messages_per_s": round(counts["ok"] / elapsed, 1), "failed": counts["failed"],
            "lag_p50_ms": lag["delay_p50_ms"], "lag_p99_ms": lag["delay_p99_ms"],
            "received": lag["received"], "expected": lag["expected"]}


def catch_up(root, port, folder, count=10_000):
    """Terminates the listening connections and commits `count` messages to one topic in the same
    transaction; returns the seconds from the commit until one subscriber has them all."""
    user = 4343
    stream = socket.create_connection(("127.0.0.1", port), timeout=60)
    stream.sendall(f"GET /notifications/stream?user_id={user} HTTP/1.0\r\nHost: bench\r\n"
                   "Accept: text/event-stream\r\n\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received:
        received += stream.recv(65536)
    sql = (f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hyper-listener';"
           f" INSERT INTO hyper_events (topic, payload) SELECT 'notifications/{user}',"
           " convert_to(json_build_object('title', 'catch-up ' || n, 'message', 'bench', 'timestamp', '-',"
           f" 'unreadCount', n)::text, 'UTF8') FROM generate_series(1, {count}) AS n;")
    subprocess.run(["psql", f"--host={folder}", "--username=hyper", "--dbname=hyper", "--quiet", "--no-psqlrc",
                    "--set=ON_ERROR_STOP=1", f"--command={sql}"], check=True, stdout=subprocess.DEVNULL)
    committed = time.time()
    marker = b"event: notification\n"
    seen, tail = 0, b""
    while seen < count and time.time() - committed < 60:
        data = stream.recv(1 << 20)
        if not data:
            break
        chunk = tail + data
        seen += chunk.count(marker)
        tail = chunk[-(len(marker) - 1):]  # a marker split between two reads, never one counted twice
    elapsed = time.time() - committed
    stream.close()
    return {"messages": count, "received": seen, "seconds": round(elapsed, 3)}


def run(demo, client, root, subscribers=10_000, publishes=5, rounds=2, seconds=10):
    prefix = tempfile.mkdtemp(prefix="hyper-bench-postgres.")
    os.chmod(prefix, 0o755)
    folder = os.path.join(prefix, "postgres")
    started = subprocess.run([os.path.join(root, "scripts/private-postgres"), "start", folder],
                             capture_output=True, text=True, check=True).stdout.split()
    url = started[1]
    processes, log = [], open(os.path.join(prefix, "processes.log"), "w")

    def start(command):
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        processes.append(process)
        return process

    try:
        memory = start([demo, "--socket", f"{prefix}/memory.sock", "--log-level", "warning"])
        shared = [start([demo, "--socket", f"{prefix}/pg-{index}.sock", "--log-level", "warning",
                         "--postgres", url]) for index in (1, 2)]
        sockets = {"memory": [f"{prefix}/memory.sock"], "postgres": [f"{prefix}/pg-1.sock", f"{prefix}/pg-2.sock"]}
        with open(f"{prefix}/nginx.conf", "w") as config:
            config.write(nginx_config(prefix, sockets))
        start(["nginx", "-p", prefix, "-c", f"{prefix}/nginx.conf", "-e", f"{prefix}/nginx-error.log"])
        for port in PORTS.values():
            deadline = time.time() + 20
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=2).read()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
        results = {"fan_out_rounds": []}
        for round_index in range(rounds):
            for name in ("memory", "postgres"):
                pid = memory.pid if name == "memory" else shared[0].pid
                print(f"  round {round_index + 1}: fan-out to {subscribers} subscribers, {name} ...", flush=True)
                figures = streams.fan_out(client, PORTS[name], subscribers, publishes, pid)
                figures["backend"] = name
                print(f"    {figures}", flush=True)
                results["fan_out_rounds"].append(figures)
                time.sleep(2)
        summary = {}
        for name in ("memory", "postgres"):
            rounds_of = [r for r in results["fan_out_rounds"] if r["backend"] == name]
            summary[name] = {key: statistics.median(r[key] for r in rounds_of) for key in ("delay_p50_ms", "delay_p99_ms")}
        summary["p99_ratio_postgres_to_memory"] = round(
            summary["postgres"]["delay_p99_ms"] / summary["memory"]["delay_p99_ms"], 2)
        results["fan_out"] = summary
        print(f"  fan-out medians: {summary}", flush=True)
        results["sustained"] = []
        for topics in (1, 100):
            print(f"  sustained publishing through PostgreSQL, {topics} topic(s), {seconds} s ...", flush=True)
            figures = sustained(client, PORTS["postgres"], topics, seconds)
            print(f"    {figures}", flush=True)
            results["sustained"].append(figures)
        print("  catch-up of 10,000 messages after the listeners reconnect ...", flush=True)
        results["catch_up"] = catch_up(root, PORTS["postgres"], folder)
        print(f"    {results['catch_up']}", flush=True)
        return results
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        subprocess.run([os.path.join(root, "scripts/private-postgres"), "stop", folder], check=False)
        shutil.rmtree(prefix, ignore_errors=True)
