import Logging
import PostgresNIO
import Synchronization

/// Follows the event log for one instance: one connection of its own listens on
/// `PostgresEventLog.channel`, and after each notification the listener reads the rows above the
/// last id it delivered, in id order, and hands them to `deliver`.
///
/// Notifications only wake the reader, which reads the table; so a burst of notifications costs
/// one read, postgres-nio's unbounded notification buffer is drained as fast as it fills, and a
/// notification lost with a connection loses nothing. After any failure the listener reconnects
/// (every `retryDelay`), listens again and only then reads what was committed meanwhile. It also
/// reads every `pollInterval` without a notification, which notices a connection that died
/// silently.
public final class PostgresEventListener: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let deliver: @Sendable ([StoredEvent]) -> Void
    private let logger: Logger
    private let retryDelay: Duration
    private let pollInterval: Duration
    private let batchSize: Int
    private let cursor: Atomic<Int64>
    private let connected = Atomic<Bool>(false)
    private let connections = Atomic<Int>(0)
    /// When the connection was lost, while it is.
    private let outage = Mutex<ContinuousClock.Instant?>(nil)

    /// A listener that delivers the events with ids above `id`.
    public init(
        configuration: PostgresConnection.Configuration, startingAfter id: Int64,
        retryDelay: Duration = .milliseconds(250), pollInterval: Duration = .seconds(5), batchSize: Int = 1000,
        logger: Logger, deliver: @escaping @Sendable ([StoredEvent]) -> Void
    ) {
        self.configuration = configuration
        self.cursor = Atomic(id)
        self.retryDelay = retryDelay
        self.pollInterval = pollInterval
        self.batchSize = max(1, batchSize)
        self.logger = logger
        self.deliver = deliver
    }

    /// The id of the last event delivered.
    public var lastDeliveredID: Int64 { cursor.load(ordering: .acquiring) }

    /// Whether the listening connection is up.
    public var isListening: Bool { connected.load(ordering: .relaxed) }

    /// Connections made so far, the first included.
    public var connectionCount: Int { connections.load(ordering: .relaxed) }

    /// Listens and delivers until the task is cancelled, reconnecting after every loss.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await listenOnce()
            } catch {
                guard !Task.isCancelled else { break }
                let isNew = outage.withLock { since in
                    defer { since = since ?? .now }
                    return since == nil
                }
                if isNew {
                    logger.warning(
                        "HyperPostgres: the listening connection failed; reconnecting",
                        metadata: ["error": "\(String(reflecting: error))", "after-id": "\(lastDeliveredID)"])
                }
            }
            connected.store(false, ordering: .relaxed)
            do { try await Task.sleep(for: retryDelay) } catch { break }
        }
    }

    private func listenOnce() async throws {
        let id = connections.add(1, ordering: .relaxed).newValue
        let connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        let outcome: Result<Void, any Error>
        do {
            try await connection.listen(on: PostgresEventLog.channel) { notifications in
                connected.store(true, ordering: .relaxed)
                if let lostSince = outage.withLock({ since in
                    defer { since = nil }; return since
                }) {
                    logger.notice(
                        "HyperPostgres: listening again; catching up",
                        metadata: ["after-id": "\(lastDeliveredID)", "down-for": "\(ContinuousClock.now - lostSince)"])
                }
                try await follow(notifications, on: connection)
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        do {
            try await connection.close()
        } catch {
            // Usually already closed by the failure being reported; that failure is what matters.
            logger.debug("HyperPostgres: closing the listening connection failed", metadata: ["error": "\(error)"])
        }
        try outcome.get()
    }

    /// Reads what was committed since the last delivery, then again after each wake-up, until the
    /// connection fails.
    private func follow(_ notifications: PostgresNotificationSequence, on connection: PostgresConnection)
        async throws
    {
        let (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await _ in notifications { wake.yield() }
                throw ListenerConnectionLostError()
            }
            group.addTask { [pollInterval] in
                while true {
                    try await Task.sleep(for: pollInterval)
                    wake.yield()
                }
            }
            group.addTask {
                try await self.catchUp(on: connection)
                for await _ in wakeUps {
                    try await self.catchUp(on: connection)
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func catchUp(on connection: PostgresConnection) async throws {
        while true {
            let events = try await PostgresEventLog.events(
                after: lastDeliveredID, limit: batchSize, on: connection, logger: logger)
            guard let last = events.last else { return }
            deliver(events)
            cursor.store(last.id, ordering: .releasing)
            if events.count < batchSize { return }
        }
    }
}

/// The listening connection's notifications ended: the server closed it.
struct ListenerConnectionLostError: Error, CustomStringConvertible {
    var description: String { "HyperPostgres: the listening connection was closed" }
}
