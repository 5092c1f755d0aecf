import FoundationEssentials

/// A session as a `SessionStore` keeps it: under the SHA-256 of its cookie's value (never the
/// value itself, so a read of the store yields no cookie that works), with its user, its CSRF
/// token and its times.
public struct SessionRecord: Sendable, Equatable {
    /// The SHA-256 of the session's cookie value, in hex.
    public var key: String
    /// Who signed in, as the app names its users.
    public var userID: String
    /// The token every unsafe request of the session must carry.
    public var csrfToken: String
    /// When the session began.
    public var created: Date
    /// When a request last used it: past `SessionConfiguration.idleTimeout` after it, it is over.
    public var lastUsed: Date
    /// When it ends, however much it is used (`SessionConfiguration.lifetime` after `created`).
    public var expires: Date

    public init(key: String, userID: String, csrfToken: String, created: Date, lastUsed: Date, expires: Date) {
        self.key = key
        self.userID = userID
        self.csrfToken = csrfToken
        self.created = created
        self.lastUsed = lastUsed
        self.expires = expires
    }

    /// Whether the session is over at `now`: past its expiry, or unused for longer than `idleTimeout`.
    public func isOver(at now: Date, idleTimeout: Duration) -> Bool {
        now >= expires || now.timeIntervalSince(lastUsed) > idleTimeout.seconds
    }
}
