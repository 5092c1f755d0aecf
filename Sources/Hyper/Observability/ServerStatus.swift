#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A snapshot of a running application, as its status page shows it: modelled on PHP-FPM's
/// `pm.status_path`, in JSON (`json`) or in Prometheus' text format (`prometheusText`).
public struct ServerStatus: Sendable, Equatable, Codable {
    /// One open stream.
    public struct Stream: Sendable, Equatable, Codable {
        /// The route's pattern, such as `/ticker`.
        public var route: String
        /// The request's path.
        public var path: String
        /// Seconds since the stream's header was sent.
        public var ageSeconds: Double
        /// Writes (events or chunks) the route has made.
        public var events: Int
        /// Body bytes the route has sent.
        public var bytesSent: Int
    }

    /// Request threads: each serves one request, or waits for one. A stream holds a thread only
    /// until its header block is written.
    public struct Threads: Sendable, Equatable, Codable {
        public var total: Int
        public var busy: Int
        public var idle: Int
        /// The configured limit (`--max-threads`).
        public var max: Int
    }

    /// When the application started, in seconds since 1970.
    public var startTime: Int
    /// Seconds since the application started.
    public var uptimeSeconds: Double
    /// Requests accepted since start.
    public var acceptedRequests: Int
    /// Requests being served now, open streams and this one included.
    public var activeRequests: Int
    /// Ordinary requests that took longer than the slow-request threshold.
    public var slowRequests: Int
    public var threads: Threads
    /// Open streams, oldest first.
    public var openStreams: [Stream]

    /// The status as a JSON object with snake_case keys.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain numbers, strings and arrays cannot fail.
        return Array(try! encoder.encode(self)) + [UInt8(ascii: "\n")]
    }
}
