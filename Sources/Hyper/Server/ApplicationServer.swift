import Glibc
import HyperTransport
import Logging
import ServiceLifecycle

/// An `Application` served on a listening socket, as a swift-service-lifecycle `Service`: run it
/// in a `ServiceGroup` beside the clients its routes use (a PostgreSQL hub store), and the group's
/// graceful shutdown (SIGTERM, SIGINT or SIGQUIT, when the group traps them) stops the server
/// gracefully (see `Application.shutDown(_:socket:)`) before the services listed before it.
///
/// ```swift
/// let server = ApplicationServer(app, socket: try .unix(path: "/run/app/app.sock"))
/// let group = ServiceGroup(
///     services: [store, server],    // shut down in reverse order: the server first, then the store
///     gracefulShutdownSignals: [.sigterm, .sigint, .sigquit], logger: logger)
/// try await group.run()
/// ```
///
/// `Application.run(on:)` and `ServerOptions.run(label:_:)` build that group themselves, with the
/// services registered through `Services.runBesideServer(_:)`.
///
/// While it runs, SIGUSR1 logs the server's figures; SIGHUP and SIGUSR2 are ignored with a log
/// line. Under systemd (`NOTIFY_SOCKET`) it reports `READY=1` once it accepts, keeps `STATUS=`
/// current, pings the watchdog and reports `STOPPING=1`. It ignores SIGPIPE (a client that went
/// away is seen as a write error instead). `run()` throws, before serving, when the signals
/// cannot be taken over or libfcgi's reads would bypass Hyper's input check; it returns once the
/// server has stopped, after a graceful shutdown or the cancellation of its task.
public struct ApplicationServer: Service, CustomStringConvertible {
    /// The app served.
    public let application: Application
    /// Where it accepts; closed when the server stops.
    public let socket: ListeningSocket

    public init(_ application: Application, socket: ListeningSocket) {
        self.application = application
        self.socket = socket
    }

    /// How the service group's log lines name it: `Hyper server on unix:/run/app/app.sock`.
    public var description: String {
        "Hyper server on \(socket.address)"
    }

    public func run() async throws {
        let application = application
        let socket = socket
        let logger = application.logger
        signal(SIGPIPE, SIG_IGN)
        let signals = try SignalForwarding(forwarding: SignalForwarding.informationalSignals)
        var serverConfiguration = application.configuration.server
        serverConfiguration.maxRequestBodySize = application.configuration.maxBodySize
        let server = try TransportServer(socket: socket, configuration: serverConfiguration, logger: logger) {
            exchange in
            application.serve(exchange)
        }
        await application.startDispatchEventLoop()
        application.runningServer.withLock { $0 = server }
        server.start()
        let notifier = SystemdNotifier.fromProcessEnvironment()
        let reporting = application.announceReady(to: notifier, server: server, socket: socket)
        application.logServing(server, socket: socket)
        // The informational signals are read on a thread of their own: `next()` blocks.
        let listening = BlockingThread.start { application.answerSignals(from: signals, server: server) }
        let stoppedBy: String
        do {
            try await gracefulShutdown()
            stoppedBy = "graceful shutdown"
        } catch {
            stoppedBy = "cancellation"
        }
        logger.info("Hyper: stopping", metadata: ["cause": "\(stoppedBy)"])
        application.announceStopping(to: notifier, server: server, reporting: reporting)
        await BlockingThread.run { application.shutDown(server, socket: socket) }
        signals.stop()
        await listening.value
    }
}

extension Application {
    /// Logs where the app serves, and warns when the descriptor limit lowered the thread count.
    fileprivate func logServing(_ server: TransportServer, socket: ListeningSocket) {
        logger.info(
            "Hyper: serving",
            metadata: [
                "socket": "\(socket.address)", "protocol": "\(configuration.server.wireProtocol)",
                "max-threads": "\(server.maxThreads)",
                "max-streams": "\(server.maxStreams)", "descriptor-limit": "\(server.descriptorLimit)",
            ])
        if server.maxThreads < configuration.server.maxThreads
            && configuration.server.maxThreads != TransportServer.Configuration().maxThreads
        {
            logger.warning(
                "Hyper: fewer request threads than configured: the descriptor limit holds no more (raise LimitNOFILE)",
                metadata: ["requested": "\(configuration.server.maxThreads)", "max-threads": "\(server.maxThreads)"])
        }
    }

    /// Answers SIGUSR1 with the server's figures and SIGHUP or SIGUSR2 with a log line, until
    /// `signals` is stopped. Blocks its thread.
    fileprivate func answerSignals(from signals: SignalForwarding, server: TransportServer) {
        while let received = signals.next() {
            let name = SignalForwarding.name(of: received)
            if received == SIGUSR1 {
                let figures = server.statistics
                logger.notice(
                    "Hyper: figures",
                    metadata: [
                        "signal": "\(name)", "threads": "\(figures.threads)", "accepting": "\(figures.accepting)",
                        "busy": "\(figures.busy)", "streams": "\(streams.count)",
                        "requests": "\(figures.acceptedRequests)",
                    ])
            } else {
                logger.notice(
                    "Hyper: signal ignored: there is no configuration to reload; restart the service to apply changes",
                    metadata: ["signal": "\(name)"])
            }
        }
    }
}
