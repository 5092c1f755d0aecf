#!/usr/bin/env python3
"""Hyper's benchmark: Hyper against the nginx ceiling, PHP-FPM and a bare libfcgi loop, all
behind one private nginx on 127.0.0.1, measured in one run.

Prints a table and writes it as JSON (Benchmarks/results/latest.json). Every load is bounded in
time and count and targets only 127.0.0.1 and unix sockets; every process started here is
stopped by its PID. Run it through `make bench`, which installs and builds what it needs.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import postgres
import replay
import streams

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ["php", "bare", "hyper"]


class Processes:
    """Processes started by the benchmark, stopped by PID in reverse order."""

    def __init__(self):
        self.started = []

    def start(self, command, log):
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.started.append(process)
        return process

    def stop_all(self):
        for process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def nginx_config(prefix, ports, keepalive_connections, workers):
    """One nginx: the ceiling, and each backend with and without kept connections."""
    upstreams, servers = [], []
    servers.append(f"server {{ listen 127.0.0.1:{ports['ceiling']}; access_log off;"
                   " location / { default_type text/html; return 200 'Hello, world!'; } }")
    for backend in BACKENDS:
        socket = f"{prefix}/{backend}.sock"
        upstreams.append(f"upstream {backend}_keep {{ server unix:{socket}; keepalive {keepalive_connections}; }}")
        upstreams.append(f"upstream {backend}_close {{ server unix:{socket}; }}")
        for variant, keep in (("keep", "on"), ("close", "off")):
            extra = f"fastcgi_param SCRIPT_FILENAME {ROOT}/Benchmarks/php$fastcgi_script_name;" if backend == "php" else ""
            servers.append(
                f"server {{ listen 127.0.0.1:{ports[backend + '_' + variant]} backlog=8192; access_log off;"
                f" location / {{ include /etc/nginx/fastcgi_params; {extra}"
                f" fastcgi_pass {backend}_{variant}; fastcgi_keep_conn {keep}; fastcgi_read_timeout 1h; }} }}")
    return f"""
daemon off;
worker_processes {workers};
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
    {chr(10).join(upstreams)}
    {chr(10).join(servers)}
}}
"""


def wait_for(url, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench: {url} did not answer within {timeout} s")


def wrk(url, duration, connections, threads):
    """Runs wrk once; returns requests per second, p99 latency and the error count."""
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(value) for value in socket_errors.groups())
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "errors": failed}


def page_benchmark(ports, args):
    rows = []
    def measure(name, key, path, backend=None, keep=None):
        url = f"http://127.0.0.1:{ports[key]}{path}"
        wait_for(url)
        wrk(url, 2, args.connections, args.threads)  # warm up: thread pools, kept connections, caches
        result = wrk(url, args.duration, args.connections, args.threads)
        result.update({"name": name, "backend": backend, "keep_conn": keep, "path": path})
        rows.append(result)
        print(f"  {name:<42} {result['rps']:>10.0f} req/s  p99 {result['p99_ms']:>7.2f} ms  errors {result['errors']}",
              flush=True)
        return result

    ceiling = measure("nginx return 200 (ceiling)", "ceiling", "/")
    for keep in (False, True):
        variant = "keep" if keep else "close"
        label = "keep-conn" if keep else "no keep-conn"
        measure(f"PHP-FPM 16 static workers, {label}", f"php_{variant}", "/hello.php", "php", keep)
        measure(f"bare libfcgi loop, {label}", f"bare_{variant}", "/", "bare", keep)
        measure(f"Hyper /hello, {label}", f"hyper_{variant}", "/hello", "hyper", keep)
        measure(f"Hyper /about, {label}", f"hyper_{variant}", "/about", "hyper", keep)
    for row in rows:
        row["ratio_to_ceiling"] = row["rps"] / ceiling["rps"]
        if row["backend"]:
            php = next(r for r in rows if r["backend"] == "php" and r["keep_conn"] == row["keep_conn"])
            bare = next(r for r in rows if r["backend"] == "bare" and r["keep_conn"] == row["keep_conn"])
            row["ratio_to_php_fpm"] = row["rps"] / php["rps"]
            row["ratio_to_bare_libfcgi"] = row["rps"] / bare["rps"]
    return rows


def print_table(rows):
    print()
    print(f"{'pages (wrk)':<42} {'req/s':>10} {'p99 ms':>8} {'×ceiling':>9} {'×PHP-FPM':>9} {'×bare':>7}")
    for row in rows:
        php = f"{row['ratio_to_php_fpm']:.2f}" if "ratio_to_php_fpm" in row else "-"
        bare = f"{row['ratio_to_bare_libfcgi']:.2f}" if "ratio_to_bare_libfcgi" in row else "-"
        print(f"{row['name']:<42} {row['rps']:>10.0f} {row['p99_ms']:>8.2f} {row['ratio_to_ceiling']:>9.3f} {php:>9} {bare:>7}")


def render_benchmark(folder, prefix):
    """Runs the render benchmark (malloc counting needs its interposer preloaded)."""
    output = os.path.join(prefix, "render.json")
    environment = dict(os.environ, LD_PRELOAD=os.path.join(folder, "libMallocInterposerSwift.so"))
    subprocess.run([os.path.join(folder, "RenderBenchmark"), output], env=environment, check=True)
    with open(output) as results:
        return json.load(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--demo", default=os.path.join(ROOT, ".build/release/hyper-demo"))
    parser.add_argument("--bare", default=os.path.join(ROOT, ".build/bench/bare-libfcgi"))
    parser.add_argument("--sse-client", default=os.path.join(ROOT, ".build/bench/sse-client"))
    parser.add_argument("--render", default=os.path.join(ROOT, "Benchmarks/Render/.build/release"))
    parser.add_argument("--skip-pages", action="store_true", help="leave out the page benchmark")
    parser.add_argument("--skip-streams", action="store_true", help="leave out the stream benchmarks")
    parser.add_argument("--skip-render", action="store_true", help="leave out the render benchmark")
    parser.add_argument("--skip-replay", action="store_true", help="leave out the hub and resume benchmarks")
    parser.add_argument("--hub", default=os.path.join(ROOT, "Benchmarks/Hub/.build/release/HubBenchmark"))
    parser.add_argument("--streams", default="1000,10000", help="stream counts to hold and fan out to")
    parser.add_argument("--hold", type=int, default=20, help="seconds the streams are held")
    parser.add_argument("--skip-postgres", action="store_true", help="leave out the PostgreSQL hub benchmarks")
    parser.add_argument("--postgres-subscribers", type=int, default=10000, help="fan-out subscribers over two instances")
    parser.add_argument("--output", default=os.path.join(ROOT, "Benchmarks/results/latest.json"))
    args = parser.parse_args()

    prefix = tempfile.mkdtemp(prefix="hyper-bench.")
    os.chmod(prefix, 0o755)
    ports = {"ceiling": 9100}
    for index, backend in enumerate(BACKENDS):
        ports[backend + "_keep"] = 9101 + 2 * index
        ports[backend + "_close"] = 9102 + 2 * index
    processes = Processes()
    log = open(os.path.join(prefix, "processes.log"), "w")
    try:
        with open(os.path.join(prefix, "nginx.conf"), "w") as config:
            config.write(nginx_config(prefix, ports, keepalive_connections=64, workers=1))
        with open(os.path.join(ROOT, "Benchmarks/php/php-fpm.conf")) as template:
            php_config = template.read().replace("@PREFIX@", prefix)
        with open(os.path.join(prefix, "php-fpm.conf"), "w") as config:
            config.write(php_config)
        processes.start(["php-fpm8.2", "--nodaemonize", "--fpm-config", os.path.join(prefix, "php-fpm.conf")], log)
        processes.start([args.bare, os.path.join(prefix, "bare.sock"), "64"], log)
        hyper = processes.start([args.demo, "--socket", os.path.join(prefix, "hyper.sock"), "--log-level", "warning"], log)
        nginx = processes.start(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"),
                         "-e", os.path.join(prefix, "nginx-error.log")], log)
        results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cores": os.cpu_count()}
        if not args.skip_render:
            results["render"] = render_benchmark(args.render, prefix)
        if not args.skip_replay:
            print("\nhub: in process", flush=True)
            subprocess.run([args.hub, os.path.join(prefix, "hub.json")], check=True)
            with open(os.path.join(prefix, "hub.json")) as hub:
                results["hub"] = json.load(hub)
            print("\nresume: hyper-demo's chat through nginx", flush=True)
            wait_for(f"http://127.0.0.1:{ports['hyper_keep']}/hello")
            results["replay"] = replay.run(ports["hyper_keep"])
        if not args.skip_pages:
            print(f"\npages: wrk -t{args.threads} -c{args.connections} -d{args.duration}s through one nginx", flush=True)
            results["pages"] = page_benchmark(ports, args)
            print_table(results["pages"])
        if not args.skip_streams:
            print("\nstreams: hyper-demo through nginx with fastcgi_keep_conn on", flush=True)
            counts = [int(count) for count in args.streams.split(",")]
            # Two workers for the streams: one worker would need two descriptors a stream, more
            # than a process may hold here for 10,000 streams.
            with open(os.path.join(prefix, "nginx.conf"), "w") as config:
                config.write(nginx_config(prefix, ports, keepalive_connections=64, workers=2))
            nginx.send_signal(signal.SIGHUP)
            time.sleep(2)
            wait_for(f"http://127.0.0.1:{ports['hyper_keep']}/hello")
            results["streams"] = streams.run(args.sse_client, ports["hyper_keep"], hyper.pid, counts, args.hold,
                                             publishes=5, trials=200)
        if not args.skip_postgres:
            print("\nhubs shared through PostgreSQL: two instances against one in-memory instance", flush=True)
            results["postgres"] = postgres.run(args.demo, args.sse_client, ROOT, subscribers=args.postgres_subscribers)
        os.makedirs(os.path.dirname(args.output), exist_ok=True)
        with open(args.output, "w") as output:
            json.dump(results, output, indent=2)
        print(f"\nwritten: {args.output}")
    finally:
        processes.stop_all()
        log.close()
        shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
