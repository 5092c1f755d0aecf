extension Request {
    /// The request's `Idempotency-Key` header as an `IdempotencyKey`, nil without one; a value
    /// that is not a key (empty, longer than `IdempotencyKey.maximumLength`, not visible ASCII)
    /// is a 400.
    ///
    /// ```swift
    /// try await hub.publish(message, to: topic, idempotencyKey: try request.idempotencyKey)
    /// ```
    public var idempotencyKey: IdempotencyKey? {
        get throws(HTTPError) {
            guard let value = header(.idempotencyKey) else { return nil }
            guard let key = IdempotencyKey(value) else {
                throw HTTPError(
                    .badRequest,
                    message: "The Idempotency-Key header (\(value.utf8.count) bytes) must be 1 to "
                        + "\(IdempotencyKey.maximumLength) visible ASCII characters.")
            }
            return key
        }
    }
}

extension HTTPField.Name {
    /// The client's name for an unsafe request, the same when it retries it.
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
