import HTTPTypes

extension Request {
    /// The most header fields a request may have; nginx passes each as an `HTTP_*` parameter.
    public static let maximumHeaderFields = 1_000

    /// Builds a request from the CGI parameters nginx sends over FastCGI or SCGI (the transports
    /// feed a `CGIRequestBuilder` their bytes directly).
    ///
    /// The route path is `PATH_INFO` when nginx splits the path (`fastcgi_split_path_info`),
    /// with `SCRIPT_NAME` as the app's mount prefix, as CGI defines; otherwise `DOCUMENT_URI`
    /// (already decoded and normalised by nginx), else the path of `REQUEST_URI` decoded here.
    /// The query is `QUERY_STRING`, else the part of `REQUEST_URI` after `?`.
    /// Either way the path is normalised again: empty and `.` segments dropped, `..` resolved.
    /// A `..` above the root, a NUL byte or an unknown method is a 400; more than
    /// `maximumHeaderFields` header fields is a 431.
    static func fromCGI(_ parameters: [(name: String, value: String)]) throws(HTTPError) -> Request {
        var builder = CGIRequestBuilder()
        for (name, value) in parameters {
            // `withUnsafeBytes` rethrows untyped errors: the typed one is carried out by hand.
            var failure: HTTPError?
            Array(name.utf8).withUnsafeBytes { name in
                Array(value.utf8).withUnsafeBytes { value in
                    do throws(HTTPError) { try builder.add(name: name, value: value) } catch { failure = error }
                }
            }
            if let failure { throw failure }
        }
        return try builder.request()
    }

    /// `/a//b/./c/../d/` → `/a/b/d`; nil for `..` above the root or a NUL byte.
    static func normalize(path: String) -> String? {
        if isNormal(path) { return path }
        guard !path.utf8.contains(0) else { return nil }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..":
                guard segments.popLast() != nil else { return nil }
            default: segments.append(segment)
            }
        }
        return "/" + segments.joined(separator: "/")
    }

    /// Whether `path` is its own normal form, as nginx's `DOCUMENT_URI` nearly always is: `/`,
    /// or `/` and segments that are neither empty, `.` nor `..`, joined by single slashes, with no
    /// NUL byte.
    private static func isNormal(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes in
            guard bytes.first == UInt8(ascii: "/") else { return false }
            guard bytes.count > 1 else { return true }
            var segmentStart = 1
            for index in 1...bytes.count {
                let byte = index < bytes.count ? bytes[index] : UInt8(ascii: "/")
                if byte == 0 { return false }
                guard byte == UInt8(ascii: "/") else { continue }
                switch index - segmentStart {
                case 0: return false
                case 1 where bytes[segmentStart] == UInt8(ascii: "."): return false
                case 2 where bytes[segmentStart] == UInt8(ascii: ".") && bytes[segmentStart + 1] == UInt8(ascii: "."):
                    return false
                default: segmentStart = index + 1
                }
            }
            return true
        }
    }
}
