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

    func run() throws {
        try server.run(label: "hyper-demo") { configuration, logger in
            let app = Application(router: try DemoRoutes.router(), configuration: configuration, logger: logger)
            DemoServices.shared.attach(app)
            return app
        }
    }
}
