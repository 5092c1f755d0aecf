import Glibc
import HTTPTypes

/// Builds a `Request` from CGI parameters as a transport reads them, one name and value at a
/// time as bytes, making strings only of what the request keeps.
///
/// nginx sends about thirty parameters a request; most are headers (`HTTP_*`), which are copied
/// as bytes into one `CGIHeaderBlock`; of the rest only the method, the paths, the query and the
/// client's address are kept. See `Request.fromCGI` for how the path is chosen and what is refused.
struct CGIRequestBuilder {
    private var methodName: String?
    private var documentURI: String?
    private var requestURI: String?
    private var scriptName = ""
    private var pathInfo = ""
    private var queryString: String?
    private var remoteAddress: String?
    private var isHTTPS = false
    /// `CONTENT_LENGTH` as nginx passed it (repeated ones joined by `, `, as the header reads, which
    /// is no number); empty for a request without a body.
    private(set) var contentLength = ""
    private let headers = CGIHeaderBlock()
    private var headerCount = 0

    /// Takes one parameter; throws 431 past `Request.maximumHeaderFields` headers.
    mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(HTTPError) {
        if name.count > 5 && Self.hasPrefix(name, "HTTP_") {
            // nginx also passes Content-Type and Content-Length as HTTP_*: CONTENT_* are kept.
            guard !Self.equals(name, "HTTP_CONTENT_LENGTH") && !Self.equals(name, "HTTP_CONTENT_TYPE") else { return }
            try addHeader(name: UnsafeRawBufferPointer(rebasing: name[5...]), value: value)
            return
        }
        switch name.count {
        case 5 where Self.equals(name, "HTTPS"): isHTTPS = Self.string(value).lowercased() == "on"
        case 9 where Self.equals(name, "PATH_INFO"): pathInfo = Self.string(value)
        case 11 where Self.equals(name, "REQUEST_URI"): requestURI = Self.string(value)
        case 11 where Self.equals(name, "SCRIPT_NAME"): scriptName = Self.string(value)
        case 11 where Self.equals(name, "REMOTE_ADDR"): remoteAddress = Self.string(value)
        case 12 where Self.equals(name, "DOCUMENT_URI"): documentURI = Self.string(value)
        case 12 where Self.equals(name, "QUERY_STRING"): queryString = Self.string(value)
        case 12 where Self.equals(name, "CONTENT_TYPE") && !value.isEmpty:
            try addHeader(name: name, value: value)
        case 14 where Self.equals(name, "REQUEST_METHOD"): methodName = Self.string(value)
        case 14 where Self.equals(name, "CONTENT_LENGTH") && !value.isEmpty:
            contentLength = contentLength.isEmpty ? Self.string(value) : contentLength + ", " + Self.string(value)
            try addHeader(name: name, value: value)
        default: break
        }
    }

    /// Keeps a header field, named in CGI form without `HTTP_` (`X_FORWARDED_FOR`).
    private mutating func addHeader(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(HTTPError) {
        guard headerCount < Request.maximumHeaderFields else {
            throw HTTPError(
                .requestHeaderFieldsTooLarge,
                message: "The request has more than \(Request.maximumHeaderFields) header fields.")
        }
        headers.append(name: name, value: value)
        headerCount += 1
    }

    /// The request the parameters describe. Throws 400 for an unknown method, no path, or a
    /// path that is not valid.
    func request() throws(HTTPError) -> Request {
        guard let methodName, let method = HTTPRequest.Method(methodName) else {
            throw HTTPError(.badRequest, message: "Unknown request method.")
        }
        let rawPath: String
        var mountPrefix = ""
        if !pathInfo.isEmpty {
            rawPath = pathInfo
            mountPrefix = scriptName
        } else if let documentURI {
            rawPath = documentURI
        } else if let requestURI {
            let path = requestURI.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            rawPath = PercentDecoding.decode(path, plusIsSpace: false)
        } else {
            throw HTTPError(.badRequest, message: "The request has no path.")
        }
        var query = queryString
        if query == nil, let requestURI, let mark = requestURI.firstIndex(of: "?") {
            query = String(requestURI[requestURI.index(after: mark)...])
        }
        guard let path = Request.normalize(path: rawPath) else {
            throw HTTPError(.badRequest, message: "The request path is not valid.")
        }
        return Request(
            method: method, path: path, mountPrefix: mountPrefix, query: QueryParameters(encoded: query ?? ""),
            headers: .cgi(headers), remoteAddress: remoteAddress, isHTTPS: isHTTPS)
    }

    private static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && hasPrefix(bytes, literal)
    }

    private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count >= count, let base = bytes.baseAddress else { return count == 0 }
        return memcmp(base, literal.utf8Start, count) == 0
    }
}
