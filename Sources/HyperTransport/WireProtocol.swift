/// The protocol a server speaks with its web server. The app above the transport is the same
/// for both; only the bytes on the connection differ.
public enum WireProtocol: String, Sendable, CaseIterable, CustomStringConvertible {
    /// FastCGI through libfcgi (nginx `fastcgi_pass`): connections can be kept between
    /// requests (`fastcgi_keep_conn on`).
    case fastCGI = "fastcgi"
    /// SCGI, parsed in Swift (nginx `scgi_pass`): one request per connection, closed after it.
    case scgi

    public var description: String { rawValue }
}
