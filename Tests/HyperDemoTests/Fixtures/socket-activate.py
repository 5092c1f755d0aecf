#!/usr/bin/env python3
"""A stand-in for systemd's socket activation, for Hyper's tests.

Binds a listening unix socket the way a systemd .socket unit does (non-blocking, kept open by
this process for the whole run), then starts COMMAND with it, either as descriptor 3 with
LISTEN_FDS=1 / LISTEN_PID (socket activation) or as descriptor 0 (StandardInput=socket). A
NOTIFY_SOCKET datagram socket records what the service reports (READY=1, STATUS=..., ...).

Control, one line per command on standard input:
  restart  SIGTERM the service, wait for it to exit, start a new one on the same socket
  stop     SIGTERM the service and wait for it to exit
  quit     stop the service if it runs, then exit
Reports, one line each on standard output:
  started PID | exited PID STATUS | notify PID MESSAGE | ready
"""
import argparse
import os
import select
import signal
import socket
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--mode", choices=["listen-fds", "stdin"], default="listen-fds")
    parser.add_argument("--notify", help="path of the NOTIFY_SOCKET to create; '@name' is abstract")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(options.socket):
        os.unlink(options.socket)
    listener.bind(options.socket)
    os.chmod(options.socket, 0o666)
    listener.listen(128)
    listener.setblocking(False)

    notify = None
    if options.notify:
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        address = "\0" + options.notify[1:] if options.notify.startswith("@") else options.notify
        notify.bind(address)

    def report(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def start():
        pid = os.fork()
        if pid == 0:
            environment = dict(os.environ)
            if options.mode == "listen-fds":
                os.dup2(listener.fileno(), 3)
                os.set_inheritable(3, True)  # dup2 onto itself leaves close-on-exec set
                environment["LISTEN_FDS"] = "1"
                environment["LISTEN_PID"] = str(os.getpid())
                environment["LISTEN_FDNAMES"] = "hyper"
            else:
                os.dup2(listener.fileno(), 0)
                os.set_inheritable(0, True)
            if options.notify:
                environment["NOTIFY_SOCKET"] = options.notify
            os.execve(command[0], command, environment)
        report(f"started {pid}")
        return pid

    def drain_notifications(pid):
        while notify is not None and select.select([notify], [], [], 0)[0]:
            message, _, _, _ = notify.recvmsg(4096)
            report(f"notify {pid} {message.decode().strip()}".replace("\n", " | "))

    def stop(pid):
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
        drain_notifications(pid)
        report(f"exited {pid} {os.waitstatus_to_exitcode(status)}")

    child = start()
    report("ready")
    watched = [sys.stdin] + ([notify] if notify else [])
    while True:
        readable, _, _ = select.select(watched, [], [], 0.2)
        if notify in readable:
            drain_notifications(child)
            continue
        if child is not None:
            finished, status = os.waitpid(child, os.WNOHANG)
            if finished:
                report(f"exited {child} {os.waitstatus_to_exitcode(status)}")
                child = None
        if sys.stdin not in readable:
            continue
        line = sys.stdin.readline().strip()
        if line == "restart":
            if child is not None:
                stop(child)
            child = start()
        elif line == "stop" and child is not None:
            stop(child)
            child = None
        elif line in ("quit", ""):
            if child is not None:
                stop(child)
            break
    listener.close()
    os.unlink(options.socket)


if __name__ == "__main__":
    main()
