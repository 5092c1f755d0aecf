import Dispatch
import HyperPostgres
import Logging
import ServiceLifecycle
import Synchronization

extension DemoServices {
    /// Connects the demo's hubs to PostgreSQL at `url` (before anything uses `shared`) and starts
    /// the store's connections as a `ServiceGroup`. Throws `PostgresURLError` or
    /// `PostgresUnreachableError` at once when the URL is bad or the database cannot be used.
    static func sharePostgres(at url: String, logger: Logger) throws -> PostgresServices {
        let parsed = try PostgresURL(url)
        let store = try blockingWait { try await PostgresHubStore.connect(to: parsed, logger: logger) }
        postgres.withLock { $0 = store }
        logger.info("hyper-demo: hubs share their topics through PostgreSQL", metadata: ["url": "\(parsed)"])
        let group = ServiceGroup(services: [store], logger: logger)
        return PostgresServices(group: group, running: Task { try await group.run() })
    }

    /// The PostgreSQL store's service group, running.
    struct PostgresServices {
        let group: ServiceGroup
        let running: Task<Void, any Error>

        /// Stops the group gracefully (the listener stops, connections close) and waits for it.
        func shutDown(logger: Logger) {
            let group = group
            let running = running
            do {
                try blockingWait {
                    await group.triggerGracefulShutdown()
                    try await running.value
                }
            } catch {
                logger.error("hyper-demo: the PostgreSQL services failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Runs `work` and blocks the calling thread (the main one, outside the server) until it
    /// has finished.
    private static func blockingWait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }
}
