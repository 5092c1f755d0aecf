import HTTPTypes
import Testing

@testable import Hyper

@Suite("Origin: which origins are the site's own")
struct OwnOriginTests {
    static func request(host: String?, https: Bool = false) -> Request {
        var fields = HTTPFields()
        if let host { fields[HTTPField.Name("Host")!] = host }
        return Request(method: .post, path: "/", headerFields: fields, isHTTPS: https)
    }

    @Test(
        "an origin is the site's when its host matches Host (and its port, when Host has one)",
        arguments: [
            ("app.example", false, "http://app.example", true),
            ("app.example", false, "http://app.example:8080", true),  // nginx's $host drops the port
            ("app.example", false, "https://app.example", true),
            ("app.example", true, "https://app.example", true),
            ("app.example", true, "http://app.example", false),  // a page over HTTP posting to HTTPS
            ("app.example:8080", false, "http://app.example:8080", true),
            ("app.example:8080", false, "http://app.example:9090", false),
            ("app.example", false, "http://evil.example", false),
            ("app.example", false, "http://app.example.evil.example", false),
            ("app.example", false, "http://evil.example/app.example", false),
            ("app.example", false, "null", false),
            ("app.example", false, "", false),
            ("APP.example", false, "http://app.EXAMPLE", true),
            ("127.0.0.1", false, "http://127.0.0.1:53053", true),
            ("127.0.0.1", false, "http://127.0.0.2:53053", false),
            ("[::1]", false, "http://[::1]:8080", true),
            ("[::1]:8080", false, "http://[::1]:9090", false),
        ])
    func ownOrigins(host: String, https: Bool, origin: String, own: Bool) {
        #expect(Self.request(host: host, https: https).isOwn(origin: origin) == own)
    }

    @Test("without a Host, no origin is the site's")
    func noHost() {
        #expect(!Self.request(host: nil).isOwn(origin: "http://app.example"))
    }
}
