import FoundationEssentials
import Synchronization

/// Sessions in this process's memory: the default, for an app served by one process. They end
/// when the process does.
public final class InMemorySessionStore: SessionStore {
    private let records = Mutex<[String: SessionRecord]>([:])

    public init() {}

    public func insert(_ record: SessionRecord) {
        records.withLock { $0[record.key] = record }
    }

    public func use(_ key: String, at now: Date, idleTimeout: Duration) -> SessionRecord? {
        records.withLock { records in
            guard var record = records[key] else { return nil }
            guard !record.isOver(at: now, idleTimeout: idleTimeout) else {
                records[key] = nil
                return nil
            }
            record.lastUsed = now
            records[key] = record
            return record
        }
    }

    public func remove(_ key: String) -> SessionRecord? {
        records.withLock { $0.removeValue(forKey: key) }
    }

    public func removeAll(ofUser userID: String) -> [String] {
        records.withLock { records in
            let keys = records.values.filter { $0.userID == userID }.map(\.key)
            for key in keys { records[key] = nil }
            return keys
        }
    }

    @discardableResult
    public func removeExpired(at now: Date, idleTimeout: Duration) -> Int {
        records.withLock { records in
            let over = records.values.filter { $0.isOver(at: now, idleTimeout: idleTimeout) }.map(\.key)
            for key in over { records[key] = nil }
            return over.count
        }
    }

    /// How many sessions are kept.
    public var count: Int {
        records.withLock { $0.count }
    }
}
