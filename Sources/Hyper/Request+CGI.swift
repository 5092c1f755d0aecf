import HTTPTypes

extension Request {
    /// The most header fields a request may have; nginx passes each as an `HTTP_*` parameter.
    public static let maximumHeaderFields = 1_000

    /// Builds a request from the CGI parameters nginx sends over FastCGI or SCGI.
    ///
    /// The route path is `PATH_INFO` when nginx splits the path (`fastcgi_split_path_info`),
    /// with `SCRIPT_NAME` as the app's mount prefix, as CGI defines; otherwise `DOCUMENT_URI`
    /// (already decoded and normalised by nginx), else the path of `REQUEST_URI` decoded here.
    /// The query is `QUERY_STRING`, else the part of `REQUEST_URI` after `?`.
    /// Either way the path is normalised again: empty and `.` segments dropped, `..` resolved.
    /// A `..` above the root, a NUL byte or an unknown method is a 400; more than
    /// `maximumHeaderFields` header fields is a 431.
    static func fromCGI(_ parameters: [(name: String, value: String)]) throws(HTTPError) -> Request {
        var methodName: String?
        var documentURI: String?
        var requestURI: String?
        var scriptName = ""
        var pathInfo = ""
        var queryString: String?
        var remoteAddress: String?
        var fields = HTTPFields()
        for (name, value) in parameters {
            // Most parameters are headers: they are told apart before any other name is compared.
            if name.utf8.starts(with: "HTTP_".utf8) {
                // nginx also passes Content-Type and Content-Length as HTTP_*: CONTENT_* are kept.
                guard name != "HTTP_CONTENT_LENGTH", name != "HTTP_CONTENT_TYPE",
                    let fieldName = HTTPField.Name(headerName(fromCGI: name))
                else { continue }
                guard fields.count < maximumHeaderFields else {
                    throw HTTPError(
                        .requestHeaderFieldsTooLarge,
                        message: "The request has more than \(maximumHeaderFields) header fields.")
                }
                appendField(fieldName, value, to: &fields)
                continue
            }
            switch name {
            case "REQUEST_METHOD": methodName = value
            case "DOCUMENT_URI": documentURI = value
            case "REQUEST_URI": requestURI = value
            case "SCRIPT_NAME": scriptName = value
            case "PATH_INFO": pathInfo = value
            case "QUERY_STRING": queryString = value
            case "REMOTE_ADDR": remoteAddress = value
            case "CONTENT_TYPE" where !value.isEmpty: appendField(.contentType, value, to: &fields)
            case "CONTENT_LENGTH" where !value.isEmpty: appendField(.contentLength, value, to: &fields)
            default: break
            }
        }
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
        if queryString == nil, let requestURI, let mark = requestURI.firstIndex(of: "?") {
            queryString = String(requestURI[requestURI.index(after: mark)...])
        }
        guard let path = normalize(path: rawPath) else {
            throw HTTPError(.badRequest, message: "The request path is not valid.")
        }
        return Request(
            method: method, path: path, mountPrefix: mountPrefix, query: QueryParameters(encoded: queryString ?? ""),
            headerFields: fields, remoteAddress: remoteAddress)
    }

    /// `/a//b/./c/../d/` → `/a/b/d`; nil for `..` above the root or a NUL byte.
    static func normalize(path: String) -> String? {
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

    /// `HTTP_X_FORWARDED_FOR` → `x-forwarded-for`.
    private static func headerName(fromCGI name: String) -> String {
        String(
            unsafeUninitializedCapacity: name.utf8.count - 5,
            initializingUTF8With: { buffer in
                var count = 0
                for byte in name.utf8.dropFirst(5) {
                    buffer[count] =
                        switch byte {
                        case UInt8(ascii: "_"): UInt8(ascii: "-")
                        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                        default: byte
                        }
                    count += 1
                }
                return count
            })
    }

    private static func appendField(_ name: HTTPField.Name, _ value: String, to fields: inout HTTPFields) {
        fields.append(HTTPField(name: name, value: value))
    }
}
