import HyperTransport
import Logging
import ServiceLifecycle
import UnixSignals

extension Application {
    /// The signals that stop a Hyper app gracefully: systemd's `KillSignal=SIGTERM`, Ctrl-C
    /// (SIGINT) and SIGQUIT.
    public static let stoppingSignals: [UnixSignal] = [.sigterm, .sigint, .sigquit]

    /// One swift-service-lifecycle `ServiceGroup` for the whole app: the services registered with
    /// `Services.runBesideServer(_:)`, in their order, the app's `Sessions` (revocations and
    /// expiry), a sweeper that drops expired hub history
    /// every second (`HistoryBudget.sweep()` on `Configuration.hubHistory`), then the server on `socket`
    /// (`ApplicationServer`). It traps `signals`: on the first, or on
    /// `ServiceGroup.triggerGracefulShutdown()`, the server stops gracefully (streams get their
    /// farewell, the listener stops, connections close), then each other service in reverse
    /// order, so a database client outlives the requests that use it. The group ends without
    /// error after a graceful shutdown. A test that runs the app in its own process traps none
    /// and triggers the shutdown itself.
    public func serviceGroup(on socket: ListeningSocket, trapping signals: [UnixSignal] = stoppingSignals)
        -> ServiceGroup
    {
        ServiceGroup(
            services: services.lifecycleServices + [
                sessions,
                HistorySweeper(budget: configuration.hubHistory.budget, interval: .seconds(1)),
                ApplicationServer(self, socket: socket),
            ],
            gracefulShutdownSignals: signals, logger: logger)
    }

    /// Serves the app on `socket`, with its services (`serviceGroup(on:)`), until SIGTERM, SIGINT
    /// or SIGQUIT, then stops gracefully and returns. It blocks the calling thread, which should
    /// be the main one (never a thread of Swift's cooperative pool); from an async context, run
    /// `serviceGroup(on:)` instead. Throws, before serving, when libfcgi's reads would bypass
    /// Hyper's input check or the signals cannot be taken over, and when a service fails.
    public func run(on socket: ListeningSocket) throws {
        let group = serviceGroup(on: socket)
        try BlockingThread.wait { try await group.run() }
    }
}
