/// HTML escaping, in one place, on UTF-8 bytes.
///
/// The five characters that can end text or an attribute value are replaced:
/// `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, `"` → `&quot;`, `'` → `&#39;`. The same escape is
/// safe both in text and in quoted attribute values, so there is one escaper for both.
@usableFromInline
enum HTMLEscaping {
    /// Appends `text` to `buffer`, escaped.
    @inlinable
    static func append(escaping text: some StringProtocol, to buffer: inout [UInt8]) {
        var text = String(text)
        text.withUTF8 { append(escaping: $0, to: &buffer) }
    }

    /// Appends UTF-8 `bytes` to `buffer`, escaped.
    @inlinable
    static func append(escaping bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var runStart = 0
        for index in bytes.indices {
            let replacement: StaticString
            switch bytes[index] {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case UInt8(ascii: "'"): replacement = "&#39;"
            default: continue
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            replacement.withUTF8Buffer { buffer.append(contentsOf: $0) }
            runStart = index + 1
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }
}
