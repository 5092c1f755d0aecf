import Glibc
import Testing

@testable import HyperTransport

/// A unix datagram socket standing in for systemd's notification socket.
private final class NotificationReceiver {
    let descriptor: Int32
    let name: String

    /// Binds `name`: a file path, or an abstract name when it starts with `@`.
    init(name: String) throws {
        self.name = name
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            if name.hasPrefix("@") { raw[0] = 0 }
        }
        let length = socklen_t(
            MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (name.hasPrefix("@") ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw SystemdNotifierError.system("test bind \(name)", errno) }
    }

    deinit {
        close(descriptor)
        if !name.hasPrefix("@") { unlink(name) }
    }

    /// The next datagram, waiting at most one second; nil if none came.
    func receive() -> String? {
        var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        guard poll(&descriptors, 1, 1000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count >= 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }
}

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test("sends one datagram of newline-separated assignments to a socket path")
    func sendsToPath() throws {
        let path = "/tmp/hyper-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let receiver = try NotificationReceiver(name: path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        try notifier.notify(["READY=1", "STATUS=Serving on unix:/run/hyper.sock"])
        #expect(receiver.receive() == "READY=1\nSTATUS=Serving on unix:/run/hyper.sock")
    }

    @Test("an @ name is an abstract socket address")
    func sendsToAbstractName() throws {
        let name = "@hyper-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let receiver = try NotificationReceiver(name: name)
        try SystemdNotifier(environment: ["NOTIFY_SOCKET": name]).notify(["WATCHDOG=1"])
        #expect(receiver.receive() == "WATCHDOG=1")
    }

    @Test("without NOTIFY_SOCKET nothing is sent and nothing fails")
    func disabledOutsideSystemd() throws {
        let notifier = SystemdNotifier(environment: ["WATCHDOG_USEC": "1000000"])
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        try notifier.notify(["READY=1"])
    }

    @Test("WATCHDOG_USEC sets the interval unless WATCHDOG_PID names another process")
    func watchdogInterval() {
        let mine = SystemdNotifier(environment: [
            "NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "\(getpid())",
        ])
        #expect(mine.watchdogInterval == .seconds(3))
        let unnamed = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "500000"])
        #expect(unnamed.watchdogInterval == .milliseconds(500))
        let other = SystemdNotifier(environment: [
            "NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "1",
        ])
        #expect(other.watchdogInterval == nil)
    }

    @Test("an assignment that would split the message is refused")
    func refusesLineBreaks() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/n"])
        #expect(throws: SystemdNotifierError.invalidAssignment("STATUS=a\nREADY=1")) {
            try notifier.notify(["STATUS=a\nREADY=1"])
        }
        #expect(throws: SystemdNotifierError.invalidAssignment("READY")) { try notifier.notify(["READY"]) }
    }

    @Test("a relative NOTIFY_SOCKET is refused")
    func refusesRelativeSocket() {
        #expect(throws: SystemdNotifierError.invalidSocket("run/notify")) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": "run/notify"]).notify(["READY=1"])
        }
    }
}
