import HyperTransport

extension Application {
    /// Tells systemd the app accepts requests (`READY=1`) and keeps `STATUS=` current; when
    /// systemd's watchdog is on, the same task pings it (`WATCHDOG=1`) at half its interval, so a
    /// process whose tasks no longer run is restarted. Returns that task, nil outside systemd.
    func announceReady(to notifier: SystemdNotifier, server: TransportServer, socket: ListeningSocket) -> Task<
        Void, Never
    >? {
        guard notifier.isEnabled else { return nil }
        send(["READY=1", "STATUS=" + statusSummary(server, socket: socket)], to: notifier)
        let period = notifier.watchdogInterval.map { $0 / 2 } ?? .seconds(10)
        let pings = notifier.watchdogInterval != nil
        return Task { [self] in
            while (try? await Task.sleep(for: period)) != nil {
                send(["STATUS=" + statusSummary(server, socket: socket)] + (pings ? ["WATCHDOG=1"] : []), to: notifier)
            }
        }
    }

    /// Tells systemd the app is stopping (`STOPPING=1`) and stops the reporting task.
    func announceStopping(to notifier: SystemdNotifier, server: TransportServer, reporting: Task<Void, Never>?) {
        reporting?.cancel()
        let status = "Stopping: \(server.statistics.busy) requests in flight, \(streams.entries.count) streams to end"
        send(["STOPPING=1", "STATUS=" + status], to: notifier)
    }

    /// One line for `systemctl status`: where the app listens and how busy it is.
    func statusSummary(_ server: TransportServer, socket: ListeningSocket) -> String {
        let statistics = server.statistics
        return "Serving on \(socket.address): \(statistics.acceptedRequests) requests, \(statistics.busy) in flight, "
            + "\(streams.entries.count) streams open, \(statistics.threads) threads"
    }

    private func send(_ assignments: [String], to notifier: SystemdNotifier) {
        do {
            try notifier.notify(assignments)
        } catch {
            logger.warning("Hyper: cannot notify systemd", metadata: ["error": "\(error)"])
        }
    }
}
