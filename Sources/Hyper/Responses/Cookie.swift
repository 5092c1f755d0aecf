/// A cookie to set on the client with `Response.setCookie`.
public struct Cookie: Sendable, Equatable {
    /// How a cookie travels with cross-site requests.
    public enum SameSite: String, Sendable {
        case strict = "Strict"
        case lax = "Lax"
        case none = "None"
    }

    public var name: String
    public var value: String
    public var path: String?
    public var domain: String?
    /// Lifetime in seconds; 0 deletes the cookie; nil makes it a session cookie.
    public var maxAge: Int?
    public var secure: Bool
    public var httpOnly: Bool
    public var sameSite: SameSite?

    /// Creates a cookie. Throws `CookieError` if the name is not an HTTP token, or the value or
    /// an attribute holds a character that would break the header (control characters, `;`, `,`,
    /// whitespace, `"`, `\`).
    public init(
        name: String, value: String, path: String? = "/", domain: String? = nil, maxAge: Int? = nil,
        secure: Bool = false, httpOnly: Bool = true, sameSite: SameSite? = .lax
    ) throws(CookieError) {
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else { throw .invalidName(name) }
        guard value.utf8.allSatisfy(Self.isValueByte) else { throw .invalidValue(name: name, value: value) }
        for attribute in [path, domain].compactMap({ $0 }) where !attribute.utf8.allSatisfy(Self.isAttributeByte) {
            throw .invalidAttribute(name: name, value: attribute)
        }
        self.name = name
        self.value = value
        self.path = path
        self.domain = domain
        self.maxAge = maxAge
        self.secure = secure
        self.httpOnly = httpOnly
        self.sameSite = sameSite
    }

    /// The `Set-Cookie` header value.
    public var headerValue: String {
        var parts = ["\(name)=\(value)"]
        if let path { parts.append("Path=\(path)") }
        if let domain { parts.append("Domain=\(domain)") }
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        if secure || sameSite == SameSite.none { parts.append("Secure") }
        if httpOnly { parts.append("HttpOnly") }
        if let sameSite { parts.append("SameSite=\(sameSite.rawValue)") }
        return parts.joined(separator: "; ")
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// RFC 6265 cookie-octet: visible ASCII except `"`, `,`, `;` and `\`.
    private static func isValueByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: ",")
            && byte != UInt8(ascii: ";") && byte != UInt8(ascii: "\\")
    }

    private static func isAttributeByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: ";")
    }
}

/// Why a cookie was refused.
public enum CookieError: Error, Equatable, CustomStringConvertible {
    case invalidName(String)
    case invalidValue(name: String, value: String)
    case invalidAttribute(name: String, value: String)

    public var description: String {
        switch self {
        case .invalidName(let name): "Hyper: cookie name is not an HTTP token: \(name.debugDescription)"
        case .invalidValue(let name, let value):
            "Hyper: cookie \(name) has a value that is not a cookie-octet string: \(value.debugDescription)"
        case .invalidAttribute(let name, let value):
            "Hyper: cookie \(name) has an invalid attribute: \(value.debugDescription)"
        }
    }
}
