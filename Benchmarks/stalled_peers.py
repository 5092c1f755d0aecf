"""Stalled peers (issue 21): `--peers` connections straight to the app's socket, each sending one
byte and then nothing, while pages are asked for through nginx; for SCGI and for FastCGI without
kept connections (every page a fresh connection). Reports the slowest and the median of 10 pages
and the app's threads, per build, over interleaved rounds. The app runs under a limit of 20,000
descriptors (2,419 request threads). Everything is on 127.0.0.1 or unix sockets, bounded in
count and time, and every process is stopped by its PID.

Usage: python3 Benchmarks/stalled_peers.py [--hyper BINARY] [--baseline BINARY] [--peers N] [--rounds N]
"""
import argparse
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

from bench import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def threads_of(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("Threads:")).split()[1])


def measure(binary, protocol, peers, folder):
    """One trial: the app behind a fresh nginx, `peers` stalled peers, 10 timed pages."""
    os.chmod(folder, 0o755)  # nginx's worker, another user, reaches the socket through it
    sock = os.path.join(folder, "app.sock")
    port = free_port()
    pass_directive = (
        f"include /etc/nginx/scgi_params; scgi_pass unix:{sock};" if protocol == "scgi"
        else f"include /etc/nginx/fastcgi_params; fastcgi_pass unix:{sock};")
    with open(os.path.join(folder, "nginx.conf"), "w") as conf:
        conf.write(f"""daemon off; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; client_body_temp_path {folder}/body; fastcgi_temp_path {folder}/fcgi;
  scgi_temp_path {folder}/scgi; uwsgi_temp_path {folder}/uwsgi; proxy_temp_path {folder}/proxy;
  server {{ listen 127.0.0.1:{port}; location / {{ {pass_directive} }} }} }}
""")
    log = open(os.path.join(folder, "app.log"), "w")
    app = subprocess.Popen(
        ["/usr/bin/prlimit", "--nofile=20000:20000", "--", binary, "--socket", sock, "--protocol", protocol,
         "--log-level", "error"], stdout=log, stderr=log)
    nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", folder, "-c", os.path.join(folder, "nginx.conf")],
                             stderr=subprocess.DEVNULL)
    stalled = []
    try:
        try:
            wait_for(f"http://127.0.0.1:{port}/hello", timeout=60)
        except SystemExit:
            with open(os.path.join(folder, "app.log")) as app_log, open(os.path.join(folder, "error.log")) as errors:
                raise RuntimeError(f"{binary} over {protocol} did not start:\n{app_log.read()[-2000:]}{errors.read()[-2000:]}")
        for _ in range(peers):
            peer = socket.socket(socket.AF_UNIX)
            peer.connect(sock)
            peer.send(b"1")
            stalled.append(peer)
        took = []
        for _ in range(10):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=15) as response:
                    response.read()
            except OSError:
                pass
            took.append(time.monotonic() - started)
        return max(took), statistics.median(took), threads_of(app.pid)
    finally:
        for peer in stalled:
            peer.close()
        for process in (nginx, app):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hyper", default=os.path.join(ROOT, ".build/release/hyper-demo"))
    parser.add_argument("--baseline", help="an earlier build to measure in the same rounds")
    parser.add_argument("--peers", type=int, default=2500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    builds = [("this build", args.hyper)] + ([("baseline", args.baseline)] if args.baseline else [])
    results = {}
    for _ in range(args.rounds):
        for protocol in ("scgi", "fastcgi"):
            for name, binary in builds:
                with tempfile.TemporaryDirectory() as folder:
                    results.setdefault((protocol, name), []).append(measure(binary, protocol, args.peers, folder))
    print(f"{args.peers} stalled peers; 10 pages through nginx (fresh connections); medians of {args.rounds} rounds")
    print(f"{'protocol':<9} {'build':<11} {'slowest s':>10} {'median s':>9} {'threads':>8}")
    for (protocol, name), trials in results.items():
        slowest = statistics.median(trial[0] for trial in trials)
        median = statistics.median(trial[1] for trial in trials)
        threads = statistics.median(trial[2] for trial in trials)
        print(f"{protocol:<9} {name:<11} {slowest:>10.3f} {median:>9.3f} {threads:>8.0f}")


if __name__ == "__main__":
    main()
