import Foundation
import NIOSSL
import PostgresNIO

/// Where and as whom to reach PostgreSQL, read from a libpq-style connection URL.
///
/// ```
/// postgres://hyper@/hyper?host=/run/postgresql       unix socket /run/postgresql/.s.PGSQL.5432
/// postgres://hyper:secret@db.internal:5433/hyper?sslmode=require
/// ```
///
/// The authority's host or the `host` parameter names a TCP host or, when it starts with `/`, the
/// folder of the server's unix socket (as libpq does). Also read: `port`, `user`, `password`,
/// `dbname` and `sslmode` (`disable`, `prefer` or `require`; unix sockets never use TLS).
/// Without a user, the process's user name is taken; without a database, the user's name.
public struct PostgresURL: Sendable, CustomStringConvertible {
    /// A TCP host name or address, or nil for a unix socket.
    public let host: String?
    /// The unix socket's path, or nil for TCP.
    public let unixSocketPath: String?
    public let port: Int
    public let username: String
    public let password: String?
    public let database: String
    public let sslMode: SSLMode

    /// How a TCP connection uses TLS.
    public enum SSLMode: String, Sendable {
        case disable, prefer, require
    }

    /// Reads `string`; throws `PostgresURLError` naming what is wrong (the password is never shown).
    public init(_ string: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else {
            throw PostgresURLError(url: string, reason: "not a postgres:// or postgresql:// URL")
        }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard let value = item.value else {
                throw PostgresURLError(url: string, reason: "parameter \(item.name) has no value")
            }
            parameters[item.name] = value
        }
        let known: Set = ["host", "port", "user", "password", "dbname", "sslmode"]
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresURLError(url: string, reason: "unknown parameter \(unknown)")
        }
        let path = components.percentEncodedPath.drop(while: { $0 == "/" })
        let pathDatabase = path.isEmpty ? nil : String(path).removingPercentEncoding
        let host = parameters["host"] ?? components.host.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        let portText = parameters["port"] ?? components.port.map(String.init)
        let port: Int
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw PostgresURLError(url: string, reason: "port \(portText) is not a number from 1 to 65535")
            }
            port = number
        } else {
            port = 5432
        }
        let username = parameters["user"] ?? components.user ?? Self.processUserName()
        guard let username, !username.isEmpty else {
            throw PostgresURLError(url: string, reason: "no user name, and the process's user has none")
        }
        let mode = parameters["sslmode"] ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw PostgresURLError(url: string, reason: "sslmode \(mode) is not disable, prefer or require")
        }
        self.port = port
        self.username = username
        self.password = parameters["password"] ?? components.password
        self.database = parameters["dbname"] ?? pathDatabase ?? username
        self.sslMode = sslMode
        switch host {
        case .some(let folder) where folder.hasPrefix("/"):
            self.host = nil
            self.unixSocketPath = folder + "/.s.PGSQL.\(port)"
        case .some(let name):
            self.host = name
            self.unixSocketPath = nil
        case .none:
            throw PostgresURLError(
                url: string, reason: "no host: name one, or a socket folder as ?host=/run/postgresql")
        }
    }

    /// The URL with its password left out, fit for a log line.
    public var description: String {
        let place = unixSocketPath ?? "\(host ?? ""):\(port)"
        return "postgres://\(username)@\(place)/\(database)"
    }

    /// The settings for a pool of connections.
    public func clientConfiguration() throws -> PostgresClient.Configuration {
        if let unixSocketPath {
            return .init(unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        return .init(host: host ?? "", port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The settings for one connection, such as the one that listens for notifications.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let unixSocketPath {
            return .init(unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return .init(host: host ?? "", port: port, username: username, password: password, database: database, tls: tls)
    }

    private static func processUserName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}

/// A PostgreSQL URL that cannot be used, and why. The URL is shown without its password.
public struct PostgresURLError: Error, Equatable, CustomStringConvertible {
    /// The URL as given, its password replaced by `***`.
    public let url: String
    public let reason: String

    init(url: String, reason: String) {
        self.url = Self.redacted(url)
        self.reason = reason
    }

    public var description: String { "HyperPostgres: bad PostgreSQL URL \(url): \(reason)" }

    private static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        if components.password != nil { components.password = "***" }
        if let items = components.queryItems, items.contains(where: { $0.name == "password" }) {
            components.queryItems = items.map {
                $0.name == "password" ? URLQueryItem(name: "password", value: "***") : $0
            }
        }
        return components.string ?? url
    }
}
