/// How sessions behave: their lifetime, idle timeout and cookie.
public struct SessionConfiguration: Sendable, Equatable {
    /// How long a session lasts from sign-in, however much it is used (`--session-lifetime`).
    public var lifetime: Duration
    /// How long a session lasts without a request (`--session-idle-timeout`).
    public var idleTimeout: Duration
    /// The cookie's name.
    public var cookieName: String
    /// Whether the cookie is always `Secure`; otherwise it is when the request came over HTTPS
    /// (nginx's `HTTPS` parameter), as it should behind TLS (`--secure-cookies`).
    public var alwaysSecure: Bool

    /// Seven days' lifetime, one day idle, a cookie named `hyper_session`.
    public init(
        lifetime: Duration = .seconds(7 * 24 * 3600), idleTimeout: Duration = .seconds(24 * 3600),
        cookieName: String = "hyper_session", alwaysSecure: Bool = false
    ) {
        self.lifetime = lifetime
        self.idleTimeout = idleTimeout
        self.cookieName = cookieName
        self.alwaysSecure = alwaysSecure
    }
}
