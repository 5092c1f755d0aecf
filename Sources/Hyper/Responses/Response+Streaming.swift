import HTTPTypes

/// A piece of a streamed response body: text (as UTF-8), HTML or bytes.
public protocol ResponseChunk: Sendable {
    /// The bytes written for this piece.
    var responseBytes: [UInt8] { get }
}

extension String: ResponseChunk {
    public var responseBytes: [UInt8] { Array(utf8) }
}

extension HTML: ResponseChunk {
    public var responseBytes: [UInt8] { bytes }
}

extension Array: ResponseChunk where Element == UInt8 {
    public var responseBytes: [UInt8] { self }
}

extension Response {
    /// A response of any media type whose body is the elements of an async sequence, each
    /// written and flushed as it is produced.
    ///
    /// ```swift
    /// let rows = AsyncStream<String> { continuation in
    ///     continuation.yield("name,email\n")
    ///     continuation.yield("Ada,ada@example.com\n")
    ///     continuation.finish()
    /// }
    /// return .streaming(rows, contentType: "text/csv; charset=utf-8",
    ///                   headerFields: [.contentDisposition: "attachment; filename=users.csv"])
    /// ```
    ///
    /// An error thrown by the sequence ends the body there (and is logged); the status and
    /// headers have been sent by then.
    public static func streaming<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, contentType: String, status: HTTPResponse.Status = .ok, headerFields: HTTPFields = [:]
    ) -> Response where Chunks.Element: ResponseChunk {
        var fields = headerFields
        fields[.contentType] = contentType
        let body = StreamingBody { writer in
            for try await chunk in chunks {
                try await writer.write(chunk.responseBytes)
            }
        }
        return Response(status: status, headerFields: fields, body: .stream(body))
    }
}
