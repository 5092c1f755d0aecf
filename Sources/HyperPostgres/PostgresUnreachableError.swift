/// The database could not be reached, or refused, when the app started.
public struct PostgresUnreachableError: Error, Equatable, CustomStringConvertible {
    /// The URL without its password.
    public let url: String
    /// What the database client reported.
    public let cause: String

    public var description: String { "HyperPostgres: cannot use PostgreSQL at \(url): \(cause)" }
}
