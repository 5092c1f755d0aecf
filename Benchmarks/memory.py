"""The memory attacks of issue 21 against a running hyper-demo behind nginx, reading the demo's
resident memory (VmRSS) from /proc by its process id.

  streams: N chat streams that stop reading after their first event, then M posts of S bytes to
           their room; RSS before, and after the posts have settled.
  rooms:   R rooms with one post of S bytes each; RSS before, after, and once history has expired
           (start the demo with a short --max-history-age to see it within the run).

    python3 Benchmarks/memory.py --port 8080 --pid 1234 streams --streams 200 --posts 3 --size 5000000
    python3 Benchmarks/memory.py --port 8080 --pid 1234 rooms --rooms 300 --size 1000000 --expiry 10

Chat is for the signed-in: it signs in first (as user 1, through the demo's /login form) and
sends the session's cookie and CSRF token with every stream and post.

Every socket it opens is closed before it returns; it starts no process."""

import argparse
import socket
import time

import demo_session


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def post(port, session, room, size):
    """Posts a message of `size` bytes of text to `room` as `session`; returns the status code."""
    body = b"text=" + b"x" * size
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(f"POST /chat/{room}/messages HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
                           f"{session.header_lines()}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
                           .encode() + body)
        return int(connection.recv(64).split(b" ")[1])


def stalled_stream(port, session, room):
    """A chat stream of `session` that has received its first event and will read nothing more."""
    connection = socket.socket()
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    connection.settimeout(10)
    connection.connect(("127.0.0.1", port))
    connection.sendall(f"GET /chat/{room}/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
                       f"{session.header_lines()}\r\n".encode())
    received = b""
    while b"event: connected" not in received:
        chunk = connection.recv(4096)
        if not chunk:
            raise RuntimeError("the stream ended before its first event")
        received += chunk
    return connection


def streams(arguments):
    before = rss_mib(arguments.pid)
    connections = [stalled_stream(arguments.port, arguments.session, "memory") for _ in range(arguments.streams)]
    try:
        statuses = [post(arguments.port, arguments.session, "memory", arguments.size) for _ in range(arguments.posts)]
        time.sleep(arguments.settle)
        after = rss_mib(arguments.pid)
    finally:
        for connection in connections:
            connection.close()
    print(f"streams: {arguments.streams} streams, {arguments.posts} posts of {arguments.size} bytes "
          f"(statuses {sorted(set(statuses))}): RSS {before} → {after} MiB")


def rooms(arguments):
    before = rss_mib(arguments.pid)
    statuses = [post(arguments.port, arguments.session, f"memory{index}", arguments.size) for index in range(arguments.rooms)]
    time.sleep(1)
    after = rss_mib(arguments.pid)
    time.sleep(arguments.expiry)
    expired = rss_mib(arguments.pid)
    print(f"rooms: {arguments.rooms} rooms × one post of {arguments.size} bytes (statuses {sorted(set(statuses))}): "
          f"RSS {before} → {after} MiB, {expired} MiB {arguments.expiry} s later")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="nginx's port")
    parser.add_argument("--pid", type=int, required=True, help="hyper-demo's process id")
    attacks = parser.add_subparsers(dest="attack", required=True)
    stream_attack = attacks.add_parser("streams")
    stream_attack.add_argument("--streams", type=int, default=200)
    stream_attack.add_argument("--posts", type=int, default=3)
    stream_attack.add_argument("--size", type=int, default=5_000_000)
    stream_attack.add_argument("--settle", type=float, default=3)
    stream_attack.set_defaults(run=streams)
    room_attack = attacks.add_parser("rooms")
    room_attack.add_argument("--rooms", type=int, default=300)
    room_attack.add_argument("--size", type=int, default=1_000_000)
    room_attack.add_argument("--expiry", type=float, default=10)
    room_attack.set_defaults(run=rooms)
    arguments = parser.parse_args()
    arguments.session = demo_session.sign_in(arguments.port)
    arguments.run(arguments)


if __name__ == "__main__":
    main()
