import Glibc

/// Reports the service's state to systemd with the `sd_notify(3)` datagram protocol, spoken
/// directly (no libsystemd): newline-separated `KEY=value` assignments sent to the unix datagram
/// socket named by `NOTIFY_SOCKET`, a file path or, after `@`, an abstract name.
///
/// With `Type=notify` systemd waits for `READY=1` before it counts the service as started, shows
/// `STATUS=` in `systemctl status`, and with `WatchdogSec=` restarts a service whose `WATCHDOG=1`
/// pings stop. Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing.
///
/// ```swift
/// let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/systemd/notify"])
/// try notifier.notify(["READY=1", "STATUS=Accepting requests"])
/// ```
public struct SystemdNotifier: Sendable {
    /// The socket the messages go to, nil when not running under systemd.
    public let socketPath: String?
    /// How often systemd expects `WATCHDOG=1`, from `WATCHDOG_USEC`; nil when the watchdog is off
    /// or meant for another process (`WATCHDOG_PID`). Ping at half this interval.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        let forThisProcess = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if path != nil, forThisProcess, let microseconds = environment["WATCHDOG_USEC"].flatMap(Int64.init),
            microseconds > 0
        {
            watchdogInterval = .microseconds(microseconds)
        } else {
            watchdogInterval = nil
        }
    }

    /// Reads the variables from this process's environment.
    public static func fromProcessEnvironment() -> SystemdNotifier {
        var environment: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return SystemdNotifier(environment: environment)
    }

    /// Whether messages go anywhere.
    public var isEnabled: Bool {
        socketPath != nil
    }

    /// Sends `assignments` (such as `READY=1`, `STATUS=…`) in one datagram. Does nothing when
    /// not under systemd.
    public func notify(_ assignments: [String]) throws(SystemdNotifierError) {
        guard let socketPath else { return }
        if let bad = assignments.first(where: { !$0.contains("=") || $0.contains("\n") }) {
            throw .invalidAssignment(bad)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let isAbstract = socketPath.hasPrefix("@")
        let name = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard name.count < capacity, socketPath.hasPrefix("/") || isAbstract else {
            throw .invalidSocket(socketPath)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
            if isAbstract { raw[0] = 0 }  // an abstract name starts with a NUL byte instead of `@`
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        // A path is NUL-terminated; an abstract name is exactly its bytes long.
        let length = socklen_t(pathOffset + name.count + (isAbstract ? 0 : 1))
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .system("socket()", errno) }
        defer { close(descriptor) }
        let message = Array(assignments.joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                message.withUnsafeBytes {
                    sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length)
                }
            }
        }
        guard sent == message.count else { throw .system("cannot send to \(socketPath)", errno) }
    }
}

/// Why a message could not be sent to systemd.
public enum SystemdNotifierError: Error, Equatable, CustomStringConvertible {
    /// An assignment without `=` or with a line break.
    case invalidAssignment(String)
    /// `NOTIFY_SOCKET` is neither an absolute path nor an `@` abstract name, or is too long.
    case invalidSocket(String)
    case system(String, Int32)

    public var description: String {
        switch self {
        case .invalidAssignment(let assignment):
            return "HyperTransport: not a KEY=value line for systemd: \(assignment.debugDescription)"
        case .invalidSocket(let path):
            return "HyperTransport: NOTIFY_SOCKET is not an absolute path or @name: \(path.debugDescription)"
        case .system(let message, let code):
            return "HyperTransport: \(message): \(String(cString: strerror(code)))"
        }
    }
}
