import Hyper
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The PostgreSQL side of an app's hubs, one per process: a pool of connections for publishing
/// and reading, the event log, one listening connection that feeds every hub backend made by
/// `backend(named:topics:messages:)`, and retention.
///
/// ```swift
/// let store = try await PostgresHubStore.connect(to: PostgresURL("postgres://hyper@/hyper?host=/run/postgresql"),
///                                                logger: logger)
/// let rooms = Hub(backend: store.backend(named: "chat", topics: String.self, messages: ChatMessage.self))
/// var services = Services()
/// services.runBesideServer(store)   // a service of the app's ServiceGroup: stops after the server
/// ```
///
/// `run()` runs the pool, the listener and retention until the task is cancelled or the service
/// group shuts down gracefully (after the server, when it runs beside it). Retention deletes the events older than `history` every tenth
/// of `history`, and at least once a minute.
public final class PostgresHubStore: Service, Sendable {
    /// Where the database is.
    public let url: PostgresURL
    /// The table every instance appends to and reads from.
    public let log: PostgresEventLog
    /// How long events stay in the table, and so how far back a client can resume.
    public let history: Duration
    let router: PostgresEventRouter
    private let client: PostgresClient
    private let listener: PostgresEventListener
    private let pruned: Atomic<Int64>
    private let logger: Logger

    private init(
        url: PostgresURL, client: PostgresClient, connection: PostgresConnection.Configuration,
        horizon: EventLogHorizon, history: Duration, logger: Logger
    ) {
        self.url = url
        self.client = client
        self.history = history
        self.logger = logger
        let router = PostgresEventRouter(startingAfter: EventID(rawValue: horizon.latest) ?? .zero)
        self.router = router
        log = PostgresEventLog(client: client, logger: logger)
        pruned = Atomic(horizon.prunedThrough)
        listener = PostgresEventListener(
            configuration: connection, startingAfter: horizon.latest, logger: logger, deliver: router.deliver)
    }

    /// Checks that the database answers, creates the event log's tables when missing, and returns
    /// the store, ready to `run()`. Throws `PostgresUnreachableError` naming the URL (without its
    /// password) and the cause when the database cannot be reached or refuses.
    public static func connect(
        to url: PostgresURL, history: Duration = .seconds(600), connectTimeout: Duration = .seconds(5),
        logger: Logger
    ) async throws -> PostgresHubStore {
        do {
            var connection = try url.connectionConfiguration()
            connection.options.additionalStartupParameters = [("application_name", listenerApplicationName)]
            let (seconds, attoseconds) = connectTimeout.components
            connection.options.connectTimeout = .milliseconds(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
            var pool = try url.clientConfiguration()
            pool.options.connectTimeout = connectTimeout
            pool.options.additionalStartupParameters = [("application_name", applicationName)]
            let checked = try await PostgresConnection.connect(configuration: connection, id: 0, logger: logger)
            let horizon: EventLogHorizon
            do {
                try await PostgresEventLog.prepare(on: checked, logger: logger)
                try await PostgresSessionStore.prepare(on: checked, logger: logger)
                horizon = try await PostgresEventLog.horizon(on: checked, logger: logger)
                try await checked.close()
            } catch {
                // The failure to report is the one that brought us here, not the close's.
                do { try await checked.close() } catch { logger.debug("HyperPostgres: close failed: \(error)") }
                throw error
            }
            let client = PostgresClient(configuration: pool, backgroundLogger: logger)
            return PostgresHubStore(
                url: url, client: client, connection: connection, horizon: horizon, history: history, logger: logger)
        } catch {
            throw PostgresUnreachableError(url: url.description, cause: String(reflecting: error))
        }
    }

    /// The `application_name` of the pool's connections and of the listening one, as
    /// `pg_stat_activity` shows them.
    public static let applicationName = "hyper"
    public static let listenerApplicationName = "hyper-listener"

    /// A hub backend whose topics are stored under `name` (such as `chat`); one per name.
    public func backend<Topic: LosslessStringConvertible & Hashable & Sendable, Message: Codable & Sendable>(
        named name: String, topics: Topic.Type = Topic.self, messages: Message.Type = Message.self,
        topicCapacity: Int = 1024
    ) -> PostgresHubBackend<Topic, Message> {
        precondition(!name.isEmpty && !name.contains("/"), "HyperPostgres: a backend's name has no /")
        let backend = PostgresHubBackend<Topic, Message>(
            store: self, name: name, topicCapacity: topicCapacity, logger: logger)
        backend.register()
        return backend
    }

    /// The app's sessions in this database, known to every instance: their records in
    /// `hyper_sessions` (`PostgresSessionStore`), their revocations carried like hub messages, so
    /// a sign-out on one instance ends the session's streams on every one within a second. Give
    /// it to the application in its services:
    ///
    /// ```swift
    /// services.register(store.sessions(configuration: configuration.sessions))
    /// ```
    public func sessions(configuration: SessionConfiguration = .init()) -> Sessions {
        Sessions(
            store: PostgresSessionStore(client: client, logger: logger),
            revocations: Hub(
                backend: backend(named: "hyper-sessions", topics: String.self, messages: SessionRevocation.self),
                logger: logger),
            configuration: configuration, logger: logger)
    }

    /// The highest id retention has deleted, as last read.
    var prunedThrough: Int64 {
        pruned.load(ordering: .relaxed)
    }

    /// Whether the listening connection is up.
    public var isListening: Bool {
        listener.isListening
    }

    /// Runs the connection pool, the listener and retention until cancelled or shut down gracefully.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            group.addTask {
                await cancelWhenGracefulShutdown { await self.listener.run() }
            }
            group.addTask {
                await cancelWhenGracefulShutdown { await self.retain() }
            }
        }
        logger.info("HyperPostgres: stopped listening; connections closed")
    }

    /// Deletes old events now and then, and keeps `prunedThrough` up to date.
    private func retain() async {
        let interval = min(history / 10, .seconds(60))
        while !Task.isCancelled {
            do {
                let deleted = try await log.prune(olderThan: history)
                let horizon = try await log.horizon()
                pruned.store(horizon.prunedThrough, ordering: .relaxed)
                if deleted > 0 {
                    logger.debug("HyperPostgres: retention deleted events", metadata: ["count": "\(deleted)"])
                }
            } catch {
                logger.warning("HyperPostgres: retention failed; trying again later", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
