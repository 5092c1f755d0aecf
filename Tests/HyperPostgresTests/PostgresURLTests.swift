import Testing

@testable import HyperPostgres

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("a socket folder in ?host= names the server's unix socket")
    func socketFolderParameter() throws {
        let url = try PostgresURL("postgres://hyper@/hyper?host=/run/postgresql")
        #expect(url.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
        #expect(url.host == nil)
        #expect(url.username == "hyper")
        #expect(url.database == "hyper")
        #expect(url.description == "postgres://hyper@/run/postgresql/.s.PGSQL.5432/hyper")
    }

    @Test("a percent-encoded socket folder as the host, with a port, names that port's socket")
    func encodedSocketFolderHost() throws {
        let url = try PostgresURL("postgresql://app@%2Ftmp%2Fpg:5433/events")
        #expect(url.unixSocketPath == "/tmp/pg/.s.PGSQL.5433")
        #expect(url.database == "events")
    }

    @Test("a TCP host with port, password and sslmode")
    func tcpHost() throws {
        let url = try PostgresURL("postgres://hyper:s%40cret@db.internal:5433/app?sslmode=require")
        #expect(url.host == "db.internal")
        #expect(url.unixSocketPath == nil)
        #expect(url.port == 5433)
        #expect(url.password == "s@cret")
        #expect(url.sslMode == .require)
        #expect(url.description == "postgres://hyper@db.internal:5433/app")
    }

    @Test("parameters override the authority; the database defaults to the user's name")
    func parametersWin() throws {
        let url = try PostgresURL("postgres://ann@somewhere?host=/sock&user=bob&port=6000")
        #expect(url.unixSocketPath == "/sock/.s.PGSQL.6000")
        #expect(url.username == "bob")
        #expect(url.database == "bob")
    }

    @Test(
        "bad URLs are refused with the reason, never showing the password",
        arguments: [
            ("mysql://hyper@localhost/hyper", "not a postgres:// or postgresql:// URL"),
            ("postgres://hyper@localhost:99999/hyper", "port 99999 is not a number from 1 to 65535"),
            ("postgres://hyper@/hyper", "no host: name one, or a socket folder as ?host=/run/postgresql"),
            (
                "postgres://hyper@localhost/hyper?sslmode=verify-full",
                "sslmode verify-full is not disable, prefer or require"
            ),
            ("postgres://hyper@localhost/hyper?hots=/tmp", "unknown parameter hots"),
        ])
    func refused(url: String, reason: String) {
        #expect(throws: PostgresURLError(url: url, reason: reason)) { try PostgresURL(url) }
    }

    @Test("the error redacts a password in the authority and in the parameters")
    func redactsPasswords() {
        #expect {
            try PostgresURL("postgres://hyper:hunter2@localhost:0/hyper?password=hunter3")
        } throws: { error in
            let text = "\(error)"
            return !text.contains("hunter") && text.contains("***")
                && text.hasPrefix("HyperPostgres: bad PostgreSQL URL")
        }
    }
}
