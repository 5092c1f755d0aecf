import ArgumentParser
import Foundation
import HyperTransport
import Logging

/// The command line every Hyper app shares: where to listen, the wire protocol, limits,
/// intervals and the log level. An app embeds it and adds its own flags:
///
/// ```swift
/// @main
/// struct PollApp: ParsableCommand {
///     @OptionGroup var server: ServerOptions
///     @Option(help: "The poll's question.") var question = "Tabs or spaces?"
///
///     func run() throws {
///         try server.run(label: "poll") { configuration, logger in
///             Application(router: try makeRouter(), configuration: configuration, logger: logger)
///         }
///     }
/// }
/// ```
///
/// With neither `--socket` nor `--listen`, the app accepts on an inherited listening socket:
/// systemd socket activation (`LISTEN_FDS`) or descriptor 0 (spawn-fcgi, `StandardInput=socket`).
public struct ServerOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("protocol"), help: "fastcgi (nginx fastcgi_pass) or scgi (nginx scgi_pass).")
    public var wireProtocol: WireProtocol = .fastCGI

    @Option(help: "Listen on a unix socket at this path (a stale socket file is replaced).")
    public var socket: String?

    @Option(help: "Permissions of the unix socket file, in octal.")
    public var socketMode: String = "666"

    @Option(help: "Group to give the unix socket file to, such as www-data.")
    public var socketGroup: String?

    @Option(help: "Listen on TCP at HOST:PORT, such as 127.0.0.1:9000 or [::1]:9000.")
    public var listen: String?

    @Option(help: "Most request threads at once; every request in flight or kept connection holds one.")
    public var maxThreads: Int = TransportServer.Configuration().maxThreads

    @Option(help: "Most streams open at once (lowered to what the descriptor limit holds); more get 503.")
    public var maxStreams: Int = TransportServer.Configuration().maxStreams

    @Option(help: "Seconds a request may take to arrive whole; a slower one's connection is closed.")
    public var requestTimeout: Double = 10

    @Option(
        help:
            "Most fresh connections still sending their first request (SCGI: without a thread); past it the oldest is closed."
    )
    public var maxArriving: Int = TransportServer.Configuration().maxArrivingConnections

    @Option(help: "Largest request body in bytes; larger ones get 413.")
    public var maxBody: Int = Application.Configuration().maxBodySize

    @Option(help: "Bytes all streams may hold unwritten (shared chunks once); past it, the most behind are closed.")
    public var maxPendingStreamBytes: Int = PendingBudget.defaultLimit

    @Option(help: "Largest message in bytes an in-memory hub topic takes; a larger publish gets 413.")
    public var maxHubMessageBytes: Int = HubHistory.defaultMaximumMessageBytes

    @Option(help: "Bytes all in-memory hub histories hold together; past it, the largest topics' oldest go.")
    public var maxHistoryBytes: Int = HistoryBudget.shared.limit

    @Option(help: "Seconds an in-memory hub topic keeps a message for streams to resume from.")
    public var maxHistoryAge: Double = 600

    @Option(help: "Seconds of silence before a stream sends a heartbeat comment.")
    public var heartbeat: Double = 15

    @Option(help: "Seconds requests in flight get to finish after SIGTERM.")
    public var grace: Double = 5

    @Option(help: "Log ordinary requests taking longer than this many seconds as slow.")
    public var slowRequest: Double?

    @Option(help: "Path of the status page (JSON; Prometheus with ?prometheus); an empty value serves none.")
    public var statusPath: String = "/_hyper/status"

    @Option(help: "Seconds a session lasts from sign-in, however much it is used.")
    public var sessionLifetime: Double = SessionConfiguration().lifetime.seconds

    @Option(help: "Seconds a session lasts without a request.")
    public var sessionIdleTimeout: Double = SessionConfiguration().idleTimeout.seconds

    @Flag(help: "Always mark the session cookie Secure (it is whenever nginx says the request came over HTTPS).")
    public var secureCookies = false

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel: String = "info"

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
        guard mode_t(socketMode, radix: 8) != nil else {
            throw ValidationError("--socket-mode must be octal, such as 660")
        }
        guard socket == nil || listen == nil else {
            throw ValidationError("pass either --socket or --listen, not both")
        }
        if let listen { _ = try Self.hostAndPort(listen) }
        guard maxThreads >= 2 else { throw ValidationError("--max-threads must be at least 2") }
        guard maxStreams >= 1 else { throw ValidationError("--max-streams must be at least 1") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        guard maxArriving >= 1 else { throw ValidationError("--max-arriving must be at least 1") }
        guard maxBody >= 0 else { throw ValidationError("--max-body must not be negative") }
        guard maxHubMessageBytes >= 0, maxHistoryBytes >= 0, maxPendingStreamBytes >= 0 else {
            throw ValidationError(
                "--max-hub-message-bytes, --max-history-bytes and --max-pending-stream-bytes must not be negative")
        }
        guard maxHistoryAge > 0 else { throw ValidationError("--max-history-age must be positive") }
        guard heartbeat > 0, grace >= 0 else {
            throw ValidationError("--heartbeat must be positive and --grace not negative")
        }
        guard sessionLifetime > 0, sessionIdleTimeout > 0 else {
            throw ValidationError("--session-lifetime and --session-idle-timeout must be positive")
        }
        guard (slowRequest ?? 1) > 0 else { throw ValidationError("--slow-request must be positive") }
        guard statusPath.isEmpty || statusPath.hasPrefix("/") else {
            throw ValidationError("--status-path must start with /")
        }
    }

    /// The log level `--log-level` names.
    public var level: Logger.Level {
        Logger.Level(rawValue: logLevel) ?? .info
    }

    /// The application's configuration these flags describe.
    public var configuration: Application.Configuration {
        var configuration = Application.Configuration()
        configuration.maxBodySize = maxBody
        configuration.heartbeatInterval = .milliseconds(Int(heartbeat * 1000))
        configuration.shutdownGracePeriod = .milliseconds(Int(grace * 1000))
        configuration.slowRequestThreshold = slowRequest.map { .milliseconds(Int($0 * 1000)) }
        configuration.statusPath = statusPath.isEmpty ? nil : statusPath
        configuration.server.wireProtocol = wireProtocol
        configuration.server.maxThreads = maxThreads
        configuration.server.maxStreams = maxStreams
        configuration.server.requestTimeout = .milliseconds(Int(requestTimeout * 1000))
        configuration.server.maxArrivingConnections = maxArriving
        configuration.server.maxPendingStreamBytes = maxPendingStreamBytes
        configuration.hubHistory.maximumMessageBytes = maxHubMessageBytes
        configuration.hubHistory.maximumAge = .milliseconds(Int(maxHistoryAge * 1000))
        configuration.sessions.lifetime = .milliseconds(Int(sessionLifetime * 1000))
        configuration.sessions.idleTimeout = .milliseconds(Int(sessionIdleTimeout * 1000))
        configuration.sessions.alwaysSecure = secureCookies
        // At the default, the process's shared budget: the one hubs made without a history use too.
        if maxHistoryBytes != HistoryBudget.shared.limit {
            configuration.hubHistory.budget = HistoryBudget(limit: maxHistoryBytes)
        }
        return configuration
    }

    /// Opens the socket `--socket`, `--listen` or the environment (an inherited socket) names.
    public func openSocket(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ListeningSocket {
        if let socket {
            return try .unix(path: socket, mode: mode_t(socketMode, radix: 8) ?? 0o666, group: socketGroup)
        }
        if let listen {
            let (host, port) = try Self.hostAndPort(listen)
            return try .tcp(host: host, port: port)
        }
        return try .inherited(environment: environment)
    }

    /// Logs to standard error at `--log-level`, makes the application, opens the socket and
    /// serves it with its services (`Application.serviceGroup(on:)`) until SIGTERM, SIGINT or
    /// SIGQUIT, then returns once everything has stopped (exit status 0). A start-up failure (the
    /// socket in use, a bad address, no permission, an error thrown by `makeApplication`) is
    /// logged as one line naming its cause and ends the process with exit status 1. Call it from
    /// `ParsableCommand.run()`: it blocks the main thread while the app serves.
    public func run(
        label: String, _ makeApplication: (Application.Configuration, Logger) throws -> Application
    ) throws {
        let logger = makeLogger(label: label)
        let application: Application
        do {
            application = try makeApplication(configuration, logger)
        } catch {
            throw Self.startFailure(error, logger: logger)
        }
        try serve(application)
    }

    /// `run(label:_:)` for an `AsyncParsableCommand`, whose application is made by async code,
    /// such as connecting to a database:
    ///
    /// ```swift
    /// try await server.run(label: "chat") { configuration, logger in
    ///     let store = try await PostgresHubStore.connect(to: PostgresURL(url), logger: logger)
    ///     var services = Services()
    ///     services.register(ChatRooms(hub: Hub(backend: store.backend(named: "chat"), logger: logger)))
    ///     services.runBesideServer(store)    // stops after the server
    ///     return Application(router: router, configuration: configuration, services: services, logger: logger)
    /// }
    /// ```
    public func run(
        label: String, _ makeApplication: (Application.Configuration, Logger) async throws -> Application
    ) async throws {
        let logger = makeLogger(label: label)
        let application: Application
        do {
            application = try await makeApplication(configuration, logger)
        } catch {
            throw Self.startFailure(error, logger: logger)
        }
        try await serve(application)
    }

    /// Sets up logging to standard error at `--log-level` (once per process, before any other
    /// logger is made) and returns a logger labelled `label`: for an app that starts its own
    /// services before `serve(_:)`.
    public func makeLogger(label: String) -> Logger {
        let level = level
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }

    /// Opens the socket and serves `application` with its services until SIGTERM, SIGINT or
    /// SIGQUIT, blocking the calling thread (the main one). A start-up failure (the socket in
    /// use, a bad address, no permission) is logged on the application's logger as one line
    /// naming its cause, and throws `ExitCode.failure` (exit status 1); so is the error of a
    /// service that fails while the app serves (the server then stops first).
    public func serve(_ application: Application) throws {
        try BlockingThread.wait { try await serve(application) }
    }

    /// `serve(_:)` from an async context.
    public func serve(_ application: Application) async throws {
        let socket: ListeningSocket
        do {
            socket = try openSocket()
        } catch {
            throw Self.startFailure(error, logger: application.logger)
        }
        do {
            try await application.serviceGroup(on: socket).run()
        } catch {
            throw Self.startFailure(error, logger: application.logger)
        }
    }

    /// Logs `error` as one critical line and returns what ends the process with exit status 1.
    private static func startFailure(_ error: any Error, logger: Logger) -> ExitCode {
        logger.critical("\(String(describing: error).escapingControlCharacters)")
        return ExitCode.failure
    }

    /// `HOST:PORT` split, the host without IPv6 brackets.
    static func hostAndPort(_ listen: String) throws -> (host: String, port: UInt16) {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen takes HOST:PORT, such as 127.0.0.1:9000")
        }
        var host = listen[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return (String(host), port)
    }
}

extension WireProtocol: ExpressibleByArgument {}
