/// A session store could not be read or written (its database is down or did not answer in
/// time): the request is answered 503 with `Retry-After`, and the cause is logged.
public struct SessionStoreUnavailableError: HTTPResponseError, Equatable, CustomStringConvertible {
    /// What was attempted, such as `read a session`.
    public let operation: String
    /// What went wrong, as the store's client reported it.
    public let cause: String

    public init(operation: String, cause: String) {
        self.operation = operation
        self.cause = cause
    }

    public var description: String { "Hyper: the session store is unavailable (\(operation)): \(cause)" }

    public func response(for request: Request) -> Response {
        HTTPError(
            .serviceUnavailable, message: "Sessions are unavailable right now; please try again.",
            headerFields: [.retryAfter: "1"]
        ).response(for: request)
    }
}
