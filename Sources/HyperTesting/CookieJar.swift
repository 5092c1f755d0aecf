import Synchronization

/// The cookies a test client was given, sent back with its next requests as a browser would
/// (one site, so domain and path are not told apart): `Set-Cookie` stores one, `Max-Age=0`
/// removes it.
public final class CookieJar: Sendable {
    private let cookies = Mutex<[(name: String, value: String)]>([])

    public init() {}

    /// Takes the value of one `Set-Cookie` header.
    public func store(setCookie header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: " ") }
        guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<equals])
        let value = String(pair[pair.index(after: equals)...])
        let removes = parts.dropFirst().contains { $0.lowercased() == "max-age=0" }
        cookies.withLock { cookies in
            cookies.removeAll { $0.name == name }
            if !removes { cookies.append((name, value)) }
        }
    }

    /// The value of the cookie `name`, if the jar has it.
    public subscript(name: String) -> String? {
        cookies.withLock { cookies in cookies.first { $0.name == name }?.value }
    }

    /// Forgets every cookie.
    public func removeAll() {
        cookies.withLock { $0.removeAll() }
    }

    /// The `Cookie` header to send, nil when the jar is empty.
    public var header: String? {
        cookies.withLock { cookies in
            cookies.isEmpty ? nil : cookies.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
