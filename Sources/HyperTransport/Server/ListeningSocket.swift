import Glibc

/// The socket a server accepts connections on, FastCGI or SCGI.
///
/// ```swift
/// let socket = try ListeningSocket.unix(path: "/run/hyper/app.sock")
/// let socket = try ListeningSocket.tcp(host: "127.0.0.1", port: 9000)
/// let socket = try ListeningSocket.inherited()   // spawn-fcgi, systemd socket activation
/// ```
public struct ListeningSocket: Sendable {
    /// The listening descriptor.
    public let descriptor: Int32
    /// The unix socket file this process created, removed again by `stopNewConnections()` or
    /// `close()`.
    public let ownedPath: String?
    /// The device and inode of `ownedPath` when it was bound: the file is removed only while it
    /// is still this socket's, never one another process has bound at the same path since.
    private let ownedFile: (device: UInt, inode: UInt)?
    /// A human-readable address for logs.
    public let address: String
    /// Whether connections still queued when the server stops are accepted and served before it
    /// exits. True for sockets this process opened, whose queue dies with it; false for an
    /// inherited socket, whose owner (systemd) keeps the queue for the next instance.
    public let drainsBacklogOnStop: Bool

    /// Whether the socket listens on TCP (IPv4 or IPv6) rather than on a unix socket path.
    public var isTCP: Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return named == 0 && (Int32(address.ss_family) == AF_INET || Int32(address.ss_family) == AF_INET6)
    }

    /// The backlog of connections the kernel queues while threads start or all are busy (the
    /// kernel caps it at `net.core.somaxconn`, 4096 by default).
    public static let defaultBacklog: Int32 = 4096

    /// Binds a unix domain socket at `path`.
    ///
    /// The socket file appears at `path` only once the socket listens, so a client that finds
    /// the file can connect: it is bound and set up under a temporary name beside `path`, then
    /// linked into place. A stale socket file left by a process that died is replaced; if a live
    /// process still accepts on `path`, or another process binds it meanwhile, this throws
    /// `ListeningSocketError.addressInUse` instead of stealing it.
    /// - Parameters:
    ///   - mode: the socket file's permissions; the default lets nginx's workers (in the
    ///     file's group, or any user with 0o666) connect.
    ///   - group: a group name to give the socket file to, such as `www-data`.
    public static func unix(
        path: String, mode: mode_t = 0o666, group: String? = nil, backlog: Int32 = defaultBacklog
    ) throws(ListeningSocketError) -> ListeningSocket {
        // The temporary name must fit in `sun_path` too.
        let temporarySuffix = ".\(getpid())"
        let longest = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1 - temporarySuffix.utf8.count
        guard (1...longest).contains(path.utf8.count) else {
            throw .invalidAddress("unix socket path must be 1...\(longest) bytes: \(path)")
        }
        let temporaryPath = path + temporarySuffix
        if isAcceptingConnections(at: unixAddress(path)) {
            throw .addressInUse("another process is accepting on \(path)")
        }
        if unlink(path) != 0 && errno != ENOENT {
            throw .system("cannot remove stale socket \(path)", errno)
        }
        unlink(temporaryPath)
        let descriptor = socket(AF_UNIX, socketFlags, 0)
        guard descriptor >= 0 else { throw .system("socket()", errno) }
        limitAcceptWait(descriptor)
        var temporaryAddress = unixAddress(temporaryPath)
        let bound = withUnsafePointer(to: &temporaryAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw .system("cannot bind \(path)", code)
        }
        defer { unlink(temporaryPath) }
        do throws(ListeningSocketError) {
            try setOwnership(of: temporaryPath, named: path, mode: mode, group: group)
            guard listen(descriptor, backlog) == 0 else { throw .system("listen on \(path)", errno) }
            guard link(temporaryPath, path) == 0 else {
                throw errno == EEXIST
                    ? .addressInUse("another process bound \(path) meanwhile") : .system("cannot bind \(path)", errno)
            }
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        return ListeningSocket(
            descriptor: descriptor, ownedPath: path, ownedFile: identity(of: path), address: "unix:\(path)",
            drainsBacklogOnStop: true)
    }

    /// The address of the unix socket at `path`, which fits: callers check its length.
    private static func unixAddress(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        return address
    }

    /// Binds a TCP socket on `host` (an IPv4 or IPv6 literal) and `port`.
    public static func tcp(host: String, port: UInt16, backlog: Int32 = defaultBacklog) throws(ListeningSocketError)
        -> ListeningSocket
    {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw .invalidAddress("not a numeric IP address: \(host)")
        }
        defer { freeaddrinfo(list) }
        let descriptor = socket(info.pointee.ai_family, socketFlags, 0)
        guard descriptor >= 0 else { throw .system("socket()", errno) }
        limitAcceptWait(descriptor)
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw code == EADDRINUSE
                ? .addressInUse("\(host):\(port) is in use") : .system("cannot bind \(host):\(port)", code)
        }
        guard listen(descriptor, backlog) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw .system("listen on \(host):\(port)", code)
        }
        return ListeningSocket(
            descriptor: descriptor, ownedPath: nil, ownedFile: nil, address: "tcp:\(host):\(port)",
            drainsBacklogOnStop: true)
    }

    /// Uses a listening socket handed over by the process that started this one: systemd's
    /// socket activation (`LISTEN_FDS`, descriptor 3) when its variables name this process, else
    /// descriptor 0 (spawn-fcgi, systemd `StandardInput=socket`).
    public static func inherited(environment: [String: String])
        throws(ListeningSocketError) -> ListeningSocket
    {
        var descriptor: Int32 = 0
        if let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1,
            environment["LISTEN_PID"].flatMap(Int32.init) == getpid()
        {
            descriptor = 3
        }
        var acceptsConnections: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &acceptsConnections, &length) == 0,
            acceptsConnections == 1
        else {
            throw .notListening(
                "descriptor \(descriptor) is not a listening socket; pass --socket PATH or --listen HOST:PORT")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        // systemd's sockets are non-blocking. The flag and the timeout are shared with the
        // socket's owner, which only watches the socket for readability and never accepts on it.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        limitAcceptWait(descriptor)
        return ListeningSocket(
            descriptor: descriptor, ownedPath: nil, ownedFile: nil, address: "inherited fd \(descriptor)",
            drainsBacklogOnStop: false)
    }

    /// How long `accept(2)` on a listening socket waits before it fails with `EAGAIN`.
    ///
    /// Idle request threads wait for connections in `accept` itself: the kernel wakes one of them
    /// per connection, where threads sleeping in `poll(2)` on the socket are all woken by each
    /// one (a thundering herd that cost a fifth of the throughput of short requests on fresh
    /// connections). The timeout lets them see a stop of the server within this interval.
    /// Connections accepted over TCP inherit it; `LibfcgiReadGate` reads without blocking and
    /// waits in `poll(2)`, so it does not apply to their reads.
    public static let acceptWaitLimit: Duration = .milliseconds(250)

    private static let socketFlags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)

    /// Makes `accept(2)` on `descriptor` give up after `acceptWaitLimit` (`SO_RCVTIMEO`).
    private static func limitAcceptWait(_ descriptor: Int32) {
        let limit = acceptWaitLimit.components
        var timeout = timeval(
            tv_sec: Int(limit.seconds), tv_usec: Int(limit.attoseconds / 1_000_000_000_000))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Removes the socket file this process created, so that no new connection can reach it;
    /// connections already queued can still be accepted. Inherited and TCP sockets are left as
    /// they are: the socket itself is never shut down, since an inherited one is shared with
    /// systemd, which queues connections on it for the next instance.
    public func stopNewConnections() {
        guard let ownedPath, let ownedFile, let current = Self.identity(of: ownedPath), current == ownedFile else {
            return
        }
        unlink(ownedPath)
    }

    /// Closes the descriptor and removes the socket file this process created, if it is still
    /// there. Connections still queued on a socket this process opened are refused; an inherited
    /// socket lives on in the process that handed it over.
    public func close() {
        stopNewConnections()
        Glibc.close(descriptor)
    }

    /// The device and inode of the file at `path`, nil if there is none.
    private static func identity(of path: String) -> (device: UInt, inode: UInt)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt(info.st_dev), UInt(info.st_ino))
    }

    private static func isAcceptingConnections(at address: sockaddr_un) -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { Glibc.close(probe) }
        var address = address
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// Sets the group and mode of the socket file `file`, which becomes `path` (named in errors).
    private static func setOwnership(of file: String, named path: String, mode: mode_t, group: String?)
        throws(ListeningSocketError)
    {
        if let group {
            guard let entry = getgrnam(group) else { throw .invalidAddress("no such group: \(group)") }
            guard chown(file, uid_t.max, entry.pointee.gr_gid) == 0 else {
                throw .system("cannot give \(path) to group \(group)", errno)
            }
        }
        guard chmod(file, mode) == 0 else { throw .system("cannot chmod \(path)", errno) }
    }
}

/// Why a listening socket could not be opened.
public enum ListeningSocketError: Error, Equatable, CustomStringConvertible {
    case invalidAddress(String)
    case addressInUse(String)
    case notListening(String)
    case system(String, Int32)

    public var description: String {
        switch self {
        case .invalidAddress(let message), .addressInUse(let message), .notListening(let message):
            return "HyperTransport: \(message)"
        case .system(let message, let code):
            return "HyperTransport: \(message): \(String(cString: strerror(code)))"
        }
    }
}
