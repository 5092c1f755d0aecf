#!/usr/bin/env python3
"""Hyper's benchmark: Hyper against the nginx ceiling, PHP-FPM and a bare libfcgi loop, all
behind one private nginx on 127.0.0.1, measured in one run; and Hyper over SCGI against Hyper
over FastCGI and PHP-FPM, in interleaved rounds.

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
BACKENDS = ["php", "bare", "hyper", "baseline"]


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
    """One nginx: the ceiling, each FastCGI backend with and without kept connections (the
    baseline's socket answers only when --baseline runs one), and Hyper over SCGI (nginx keeps
    no SCGI connections)."""
    upstreams, servers = [], []
    upstreams.append(f"upstream hyper_scgi {{ server unix:{prefix}/hyper-scgi.sock; }}")
    servers.append(
        f"server {{ listen 127.0.0.1:{ports['hyper_scgi']} backlog=8192; access_log off;"
        " location / { include /etc/nginx/scgi_params; scgi_pass hyper_scgi; scgi_read_timeout 1h; } }")
    servers.append(f"server {{ listen 127.0.0.1:{ports['ceiling']}; access_log off;"
                   " location / { default_type text/html; return 200 'Hello, world!'; } }")
    for backend in BACKENDS:
        socket = f"{prefix}/{backend}.sock"
        timeout = " keepalive_timeout 1s;" if backend == "php" else ""
        upstreams.append(f"upstream {backend}_keep {{ server unix:{socket}; keepalive {keepalive_connections};{timeout} }}")
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


# The page targets, each run once per round; rounds interleave them so that the machine's load
# drifts over all of them alike. PHP-FPM's kept connections time out after a second (see
# nginx_config) and each round waits that long after them, or they would hold all 16 of its
# workers while the PHP-FPM server block without kept connections runs.
PAGE_TARGETS = [
    # name, port key, path, backend, kept connections
    ("nginx return 200 (ceiling)", "ceiling", "/", None, None),
    ("bare libfcgi loop, no keep-conn", "bare_close", "/", "bare", False),
    ("Hyper /hello, no keep-conn", "hyper_close", "/hello", "hyper", False),
    ("Hyper /about, no keep-conn", "hyper_close", "/about", "hyper", False),
    ("PHP-FPM 16 static workers, no keep-conn", "php_close", "/hello.php", "php", False),
    ("bare libfcgi loop, keep-conn", "bare_keep", "/", "bare", True),
    ("Hyper /hello, keep-conn", "hyper_keep", "/hello", "hyper", True),
    ("Hyper /about, keep-conn", "hyper_keep", "/about", "hyper", True),
    ("PHP-FPM 16 static workers, keep-conn", "php_keep", "/hello.php", "php", True),
]


# With --baseline: an earlier build of hyper-demo, measured in the same rounds as this one.
BASELINE_TARGETS = [
    ("Hyper /hello, baseline build, no keep-conn", "baseline_close", "/hello", "baseline", False),
    ("Hyper /hello, baseline build, keep-conn", "baseline_keep", "/hello", "baseline", True),
]


def page_benchmark(ports, args):
    """Every page target once per round, for args.rounds rounds; each figure is the median over
    the rounds, and each ratio is taken within a round (to the ceiling, the bare libfcgi loop and
    PHP-FPM with the same connection handling, and with --baseline this build's /hello to the
    baseline build's), then its median and spread (lowest, highest)."""
    targets = PAGE_TARGETS + (BASELINE_TARGETS if args.baseline else [])
    for name, key, path, _, _ in targets:
        url = f"http://127.0.0.1:{ports[key]}{path}"
        wait_for(url)
        wrk(url, 2, args.connections, args.threads)  # warm up: thread pools, kept connections, caches
    time.sleep(1.5)
    rounds = []
    for number in range(1, args.rounds + 1):
        measured = {}
        for name, key, path, backend, _ in targets:
            measured[name] = wrk(f"http://127.0.0.1:{ports[key]}{path}", args.round_duration, args.connections,
                                 args.threads)
            if key == "php_keep":
                time.sleep(1.5)
        rounds.append(measured)
        print(f"  round {number}: " + ", ".join(f"{name} {measured[name]['rps']:.0f}" for name, *_ in targets),
              flush=True)

    def reference(backend, keep):
        return next(name for name, _, _, b, k in targets if b == backend and k == keep)

    def ratios(name, to):
        # A round whose reference answered nothing (its errors are counted) gives no ratio.
        values = [r[name]["rps"] / r[to]["rps"] for r in rounds if r[to]["rps"] > 0]
        if not values:
            return None
        return {"median": median(values), "low": min(values), "high": max(values)}

    rows = []
    for name, key, path, backend, keep in targets:
        row = {"name": name, "backend": backend, "keep_conn": keep, "path": path,
               "rps": median([r[name]["rps"] for r in rounds]),
               "p99_ms": median([r[name]["p99_ms"] for r in rounds]),
               "errors": sum(r[name]["errors"] for r in rounds),
               "rounds": [r[name]["rps"] for r in rounds],
               "ratio_to_ceiling": ratios(name, PAGE_TARGETS[0][0]) or {"median": 0, "low": 0, "high": 0}}
        if backend:
            row["ratio_to_php_fpm"] = ratios(name, reference("php", keep))
            row["ratio_to_bare_libfcgi"] = ratios(name, reference("bare", keep))
        if args.baseline and backend == "hyper" and path == "/hello":
            row["ratio_to_baseline"] = ratios(name, reference("baseline", keep))
        rows.append(row)
    return rows


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# PHP-FPM runs without kept connections only: its 16 workers each serve one connection at a
# time, so nginx's 64 idle kept connections would hold every worker and starve the other server
# block (no request through it is answered), which interleaved rounds would run into at once.
PROTOCOL_TARGETS = [
    # name, port key, path
    ("Hyper /hello, FastCGI keep-conn", "hyper_keep", "/hello"),
    ("Hyper /hello, FastCGI no keep-conn", "hyper_close", "/hello"),
    ("Hyper /hello, SCGI", "hyper_scgi", "/hello"),
    ("PHP-FPM, no keep-conn", "php_close", "/hello.php"),
]


def protocol_benchmark(ports, args):
    """SCGI against FastCGI (with and without kept connections) and PHP-FPM: every round runs
    each target once, in turn, so that a change in the machine's load reaches all of them alike;
    figures are medians over the rounds, and each ratio is taken within a round, then its median."""
    for _, key, path in PROTOCOL_TARGETS:
        url = f"http://127.0.0.1:{ports[key]}{path}"
        wait_for(url)
        wrk(url, 2, args.connections, args.threads)
    rounds = []
    for number in range(1, args.rounds + 1):
        measured = {}
        for name, key, path in PROTOCOL_TARGETS:
            measured[name] = wrk(f"http://127.0.0.1:{ports[key]}{path}", args.round_duration, args.connections,
                                 args.threads)
        rounds.append(measured)
        print(f"  round {number}: " + ", ".join(f"{name.split(', ', 1)[-1] if 'Hyper' in name else name} "
                                                 f"{value['rps']:.0f}" for name, value in measured.items()), flush=True)
    rows = []
    for name, _, _ in PROTOCOL_TARGETS:
        rows.append({
            "name": name,
            "rps_median": median([r[name]["rps"] for r in rounds]),
            "p99_ms_median": median([r[name]["p99_ms"] for r in rounds]),
            "errors": sum(r[name]["errors"] for r in rounds),
            "ratio_to_fastcgi_keep": median([r[name]["rps"] / r[PROTOCOL_TARGETS[0][0]]["rps"] for r in rounds]),
            "ratio_to_fastcgi_close": median([r[name]["rps"] / r[PROTOCOL_TARGETS[1][0]]["rps"] for r in rounds]),
            "ratio_to_php_fpm": median([r[name]["rps"] / r["PHP-FPM, no keep-conn"]["rps"] for r in rounds]),
            "rounds": [r[name]["rps"] for r in rounds],
        })
    print()
    print(f"{'SCGI vs FastCGI (medians of ' + str(args.rounds) + ' interleaved rounds)':<42} {'req/s':>10} {'p99 ms':>8}"
          f" {'×FCGI keep':>11} {'×FCGI close':>12} {'×PHP-FPM':>9}")
    for row in rows:
        print(f"{row['name']:<42} {row['rps_median']:>10.0f} {row['p99_ms_median']:>8.2f}"
              f" {row['ratio_to_fastcgi_keep']:>11.3f} {row['ratio_to_fastcgi_close']:>12.3f}"
              f" {row['ratio_to_php_fpm']:>9.3f}")
    return rows


def print_table(rows):
    def ratio(row, key):
        value = row.get(key)
        return f"{value['median']:.2f} ({value['low']:.2f}-{value['high']:.2f})" if value else "-"

    print()
    print(f"{'pages (medians of interleaved rounds)':<42} {'req/s':>8} {'p99 ms':>7} {'×ceiling':>9}"
          f" {'×PHP-FPM (spread)':>18} {'×bare (spread)':>18}")
    for row in rows:
        print(f"{row['name']:<42} {row['rps']:>8.0f} {row['p99_ms']:>7.2f} {row['ratio_to_ceiling']['median']:>9.3f}"
              f" {ratio(row, 'ratio_to_php_fpm'):>18} {ratio(row, 'ratio_to_bare_libfcgi'):>18}")
    for row in rows:
        if "ratio_to_baseline" in row:
            print(f"{row['name']} against the baseline build: {ratio(row, 'ratio_to_baseline')}")


def render_benchmark(folder, prefix):
    """Runs the render benchmark (malloc counting needs its interposer preloaded)."""
    output = os.path.join(prefix, "render.json")
    environment = dict(os.environ, LD_PRELOAD=os.path.join(folder, "libMallocInterposerSwift.so"))
    subprocess.run([os.path.join(folder, "RenderBenchmark"), output], env=environment, check=True)
    with open(output) as results:
        return json.load(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--demo", default=os.path.join(ROOT, ".build/release/hyper-demo"))
    parser.add_argument("--baseline", help="an earlier build of hyper-demo to measure /hello against, in the same rounds")
    parser.add_argument("--bare", default=os.path.join(ROOT, ".build/bench/bare-libfcgi"))
    parser.add_argument("--sse-client", default=os.path.join(ROOT, ".build/bench/sse-client"))
    parser.add_argument("--render", default=os.path.join(ROOT, "Benchmarks/Render/.build/release"))
    parser.add_argument("--skip-pages", action="store_true", help="leave out the page benchmark")
    parser.add_argument("--skip-streams", action="store_true", help="leave out the stream benchmarks")
    parser.add_argument("--skip-protocols", action="store_true", help="leave out SCGI against FastCGI")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the page and protocol benchmarks")
    parser.add_argument("--round-duration", type=int, default=5, help="seconds per target and round")
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
    ports = {"ceiling": 9100, "hyper_scgi": 9099}
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
        if args.baseline:
            processes.start([args.baseline, "--socket", os.path.join(prefix, "baseline.sock"), "--log-level", "warning"],
                            log)
        hyper_scgi = processes.start([args.demo, "--protocol", "scgi", "--socket", os.path.join(prefix, "hyper-scgi.sock"),
                                      "--log-level", "warning"], log)
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
            print(f"\npages: {args.rounds} interleaved rounds of wrk -t{args.threads} -c{args.connections}"
                  f" -d{args.round_duration}s per target through one nginx", flush=True)
            results["pages"] = page_benchmark(ports, args)
            print_table(results["pages"])
        if not args.skip_protocols:
            print(f"\nSCGI against FastCGI and PHP-FPM: {args.rounds} interleaved rounds of wrk -t{args.threads}"
                  f" -c{args.connections} -d{args.round_duration}s per target", flush=True)
            results["protocols"] = protocol_benchmark(ports, args)
        if not args.skip_streams:
            print("\nstreams: hyper-demo through nginx with fastcgi_keep_conn on", flush=True)
            counts = [int(count) for count in args.streams.split(",")]
            # Two workers for the streams: one worker would need two descriptors a stream, more
            # than a process may hold here for 10,000 streams.
            with open(os.path.join(prefix, "nginx.conf"), "w") as config:
                config.write(nginx_config(prefix, ports, keepalive_connections=64, workers=2))
            # nginx dies of a SIGHUP that comes before it has set up its handlers.
            wait_for(f"http://127.0.0.1:{ports['ceiling']}/")
            nginx.send_signal(signal.SIGHUP)
            time.sleep(2)
            wait_for(f"http://127.0.0.1:{ports['hyper_keep']}/hello")
            results["streams"] = streams.run(args.sse_client, ports["hyper_keep"], hyper.pid, counts, args.hold,
                                             publishes=5, trials=200)
            print("\nstreams: hyper-demo --protocol scgi through nginx", flush=True)
            wait_for(f"http://127.0.0.1:{ports['hyper_scgi']}/hello")
            results["streams_scgi"] = streams.run(args.sse_client, ports["hyper_scgi"], hyper_scgi.pid, counts,
                                                  args.hold, publishes=5, trials=200)
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
