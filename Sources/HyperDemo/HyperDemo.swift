import Foundation
import Hyper

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

    @OptionGroup(title: "Server")
    var server: ServerOptions

    @Option(
        help: """
            Share live topics with other instances through PostgreSQL at this URL, such as \
            postgres://hyper@/hyper?host=/run/postgresql (default: $HYPER_POSTGRES_URL; without either, in memory).
            """)
    var postgres: String?

    func run() throws {
        let logger = server.makeLogger(label: "hyper-demo")
        var postgresServices: DemoServices.PostgresServices?
        defer { postgresServices?.shutDown(logger: logger) }
        if let url = postgres ?? ProcessInfo.processInfo.environment["HYPER_POSTGRES_URL"], !url.isEmpty {
            do {
                postgresServices = try DemoServices.sharePostgres(at: url, logger: logger)
            } catch {
                logger.critical("\(error)")
                throw ExitCode.failure
            }
        }
        let app = Application(router: try DemoRoutes.router(), configuration: server.configuration, logger: logger)
        DemoServices.shared.attach(app)
        try server.serve(app)
    }
}
