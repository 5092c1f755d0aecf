"""Benchmarks of hubs shared through PostgreSQL, for bench.py: a private PostgreSQL server
(scripts/private-postgres), one in-memory hyper-demo and two hyper-demo instances sharing their
topics through the server, each behind its own nginx port on 127.0.0.1.

Notifications are the signed-in's (a user's own stream; publishing with the session's CSRF
token), and the demo keeps its sessions in each instance's memory: so each instance has a port
of its own, and the benchmark signs in on each (demo_session) rather than going through one
round-robin upstream, where a session would be unknown to the other instance.

- fan-out: N subscribers of one topic (spread over the two instances in turn) and a few
  publishes (to each instance in turn), each timed to every receipt, against the in-memory single
  instance, in interleaved rounds; medians of the rounds and their ratio.
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
import urllib.request

import demo_session
import streams

PORTS = {"memory": 9201, "pg1": 9202, "pg2": 9203}
SHARED = ["pg1", "pg2"]  # the instances sharing their topics through PostgreSQL


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


def sustained(client, ports, sessions, topics, seconds, workers=16):
    """Publishes as fast as `workers` concurrent clients can for `seconds` (each through one of
    `ports` in turn, with that instance's session of `sessions`), to `topics` topics (users 1, 2, …)
    in turn, while one subscriber of topic 1 (user 1, signed in on the first port) times each of
    its messages' delivery."""
    with streams.Client(client, "fanout", ports[0], "/notifications/stream", 1,
                        budget=seconds + 90, wait=30, cookies=[sessions[0].cookie]) as subscriber:
        subscriber.expect("ready")
        time.sleep(1)
        counts = {"ok": 0, "failed": 0, "to_topic_1": 0}
        lock = threading.Lock()
        deadline = time.time() + seconds

        def publisher(index):
            sequence = index
            port, session = ports[index % len(ports)], sessions[index % len(ports)]
            while time.time() < deadline:
                user = 1 + sequence % topics
                try:
                    ok = streams.publish(port, session, user, f"{time.time():.6f}", "bench") == 200
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
    transaction; returns the seconds from the commit until one subscriber has them all. The topic
    is user 3's, read by user 3 signed in (a user's own stream); the stream starts live, so what
    earlier phases sent them is not counted."""
    user = 3
    session = demo_session.sign_in(port, user_id=user)
    stream = socket.create_connection(("127.0.0.1", port), timeout=60)
    stream.sendall(f"GET /notifications/stream HTTP/1.0\r\nHost: bench\r\n{session.header_lines()}"
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
        sockets = {"memory": [f"{prefix}/memory.sock"], "pg1": [f"{prefix}/pg-1.sock"], "pg2": [f"{prefix}/pg-2.sock"]}
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
        sessions = {port: demo_session.sign_in(port, user_id=1) for port in PORTS.values()}
        shared_ports = [PORTS[name] for name in SHARED]
        shared_sessions = [sessions[port] for port in shared_ports]
        targets = {"memory": [PORTS["memory"]], "postgres": shared_ports}
        results = {"fan_out_rounds": []}
        for round_index in range(rounds):
            for name in ("memory", "postgres"):
                pid = memory.pid if name == "memory" else shared[0].pid
                print(f"  round {round_index + 1}: fan-out to {subscribers} subscribers, {name} ...", flush=True)
                figures = streams.fan_out(client, targets[name], subscribers, publishes, pid,
                                          sessions=[sessions[port] for port in targets[name]])
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
            figures = sustained(client, shared_ports, shared_sessions, topics, seconds)
            print(f"    {figures}", flush=True)
            results["sustained"].append(figures)
        print("  catch-up of 10,000 messages after the listeners reconnect ...", flush=True)
        results["catch_up"] = catch_up(root, shared_ports[0], folder)
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
