import Foundation
import Hyper
import HyperPostgres

/// The demo app: every example of Hyper's design served over FastCGI or SCGI.
@main
struct HyperDemo: AsyncParsableCommand {
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

    func run() async throws {
        let url = postgres ?? ProcessInfo.processInfo.environment["HYPER_POSTGRES_URL"]
        // The server and the PostgreSQL store run in one ServiceGroup: SIGTERM stops the server
        // first, then the store.
        try await server.run(label: "hyper-demo") { configuration, logger in
            var store: PostgresHubStore?
            if let url, !url.isEmpty {
                let parsed = try PostgresURL(url)
                store = try await PostgresHubStore.connect(to: parsed, logger: logger)
                logger.info("hyper-demo: hubs share their topics through PostgreSQL", metadata: ["url": "\(parsed)"])
            }
            return try DemoApp.make(configuration: configuration, postgres: store, logger: logger)
        }
    }
}
