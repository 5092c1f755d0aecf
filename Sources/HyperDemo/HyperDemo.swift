import ArgumentParser
import Foundation
import Hyper
import HyperTransport
import Logging

/// The demo app: every example of Hyper's design served over FastCGI or SCGI.
@main
struct HyperDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hyper-demo",
        abstract: "Hyper's demo app, a FastCGI or SCGI backend for nginx.",
        discussion: """
            With neither --socket nor --listen, the demo accepts on an inherited listening socket: \
            systemd socket activation (LISTEN_FDS) or descriptor 0 (spawn-fcgi, StandardInput=socket).
            """)

    @Option(name: .customLong("protocol"), help: "fastcgi (nginx fastcgi_pass) or scgi (nginx scgi_pass).")
    var wireProtocol: WireProtocol = .fastCGI

    @Option(help: "Listen on a unix socket at this path (a stale socket file is replaced).")
    var socket: String?

    @Option(help: "Permissions of the unix socket file, in octal.")
    var socketMode: String = "666"

    @Option(help: "Group to give the unix socket file to, such as www-data.")
    var socketGroup: String?

    @Option(help: "Listen on TCP at HOST:PORT, such as 127.0.0.1:9000.")
    var listen: String?

    @Option(help: "Most request threads at once; every request in flight or kept connection holds one.")
    var maxThreads: Int = TransportServer.Configuration().maxThreads

    @Option(help: "Most streams open at once (lowered to what the descriptor limit holds); more get 503.")
    var maxStreams: Int = TransportServer.Configuration().maxStreams

    @Option(help: "Seconds a request may take to arrive whole; a slower one's connection is closed.")
    var requestTimeout: Double = 10

    @Option(help: "Largest request body in bytes; larger ones get 413.")
    var maxBody: Int = Application.Configuration().maxBodySize

    @Option(help: "Seconds of silence before a stream sends a heartbeat comment.")
    var heartbeat: Double = 15

    @Option(help: "Seconds requests in flight get to finish after SIGTERM.")
    var grace: Double = 5

    @Option(help: "Log ordinary requests taking longer than this many seconds as slow.")
    var slowRequest: Double?

    @Option(help: "Path of the status page (JSON; Prometheus with ?prometheus); an empty value serves none.")
    var statusPath: String = "/_hyper/status"

    @Option(
        help: """
            Share live topics with other instances through PostgreSQL at this URL, such as \
            postgres://hyper@/hyper?host=/run/postgresql (default: $HYPER_POSTGRES_URL; without either, in memory).
            """)
    var postgres: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
        guard mode_t(socketMode, radix: 8) != nil else {
            throw ValidationError("--socket-mode must be octal, such as 660")
        }
        guard socket == nil || listen == nil else {
            throw ValidationError("pass either --socket or --listen, not both")
        }
        guard maxThreads >= 2 else { throw ValidationError("--max-threads must be at least 2") }
        guard maxStreams >= 1 else { throw ValidationError("--max-streams must be at least 1") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        guard maxBody >= 0 else { throw ValidationError("--max-body must not be negative") }
        guard heartbeat > 0, grace >= 0 else {
            throw ValidationError("--heartbeat must be positive and --grace not negative")
        }
        guard (slowRequest ?? 1) > 0 else { throw ValidationError("--slow-request must be positive") }
        guard statusPath.isEmpty || statusPath.hasPrefix("/") else {
            throw ValidationError("--status-path must start with /")
        }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hyper-demo")
        var postgresServices: DemoServices.PostgresServices?
        if let url = postgres ?? ProcessInfo.processInfo.environment["HYPER_POSTGRES_URL"], !url.isEmpty {
            do {
                postgresServices = try DemoServices.sharePostgres(at: url, logger: logger)
            } catch {
                logger.critical("\(error)")
                throw ExitCode(3)
            }
        }
        let listeningSocket: ListeningSocket
        do {
            listeningSocket = try openSocket()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
        }
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
        let app = Application(router: try DemoRoutes.router(), configuration: configuration, logger: logger)
        DemoServices.shared.attach(app)
        do {
            try app.run(on: listeningSocket)
        } catch {
            logger.critical("\(error)")
            postgresServices?.shutDown(logger: logger)
            throw ExitCode(1)
        }
        postgresServices?.shutDown(logger: logger)
    }

    private func openSocket() throws -> ListeningSocket {
        if let socket {
            return try .unix(path: socket, mode: mode_t(socketMode, radix: 8)!, group: socketGroup)
        }
        if let listen {
            guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
                throw ValidationError("--listen takes HOST:PORT, such as 127.0.0.1:9000")
            }
            let host = listen[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return try .tcp(host: host, port: port)
        }
        return try .inherited(environment: ProcessInfo.processInfo.environment)
    }
}

extension WireProtocol: ExpressibleByArgument {}
