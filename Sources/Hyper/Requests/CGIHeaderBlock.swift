import Glibc
import HTTPTypes
import Synchronization

/// A request's header fields as nginx passed them, kept as the bytes of their CGI parameters
/// (`HTTP_ACCEPT`, `CONTENT_TYPE`, …) until a route asks for them.
///
/// Most routes read one or two headers, or none, of the dozen or more a browser sends. Making
/// an `HTTPField` of each (a validated name, a validated value, two strings) cost more than the
/// whole of libfcgi's work on a request, so the block keeps the bytes, answers a lookup of one
/// name by comparing bytes (`value(of:)`), and makes the full `HTTPFields` only when it is asked
/// for, once. Either way a field reads exactly as swift-http-types makes it: a CGI name that is
/// not an HTTP token is left out, and a value is legalised by `HTTPField.init(name:value:)`.
///
/// Only the `CGIRequestBuilder` that made a block appends to it, before its request exists; from
/// then on the block is read-only, which is what makes it safe to share between threads.
final class CGIHeaderBlock: @unchecked Sendable {
    /// Each field in turn: its name's length and its value's length (4 bytes each, little-endian),
    /// the name in CGI form without `HTTP_`, then the value. Owned: freed with the block.
    private var storage: UnsafeMutableRawPointer?
    private var byteCount = 0
    private var capacity = 0
    private let parsed = Mutex<HTTPFields?>(nil)

    init() {}

    deinit {
        free(storage)
    }

    /// Appends one field; for the builder only, before the block is shared.
    func append(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let needed = byteCount + 8 + name.count + value.count
        if needed > capacity {
            let grown = max(needed, capacity * 2, 1024)
            guard let moved = realloc(storage, grown) else { fatalError("Hyper: out of memory for header fields") }
            (storage, capacity) = (moved, grown)
        }
        guard let storage else { return }
        storage.storeBytes(
            of: UInt32(truncatingIfNeeded: name.count).littleEndian, toByteOffset: byteCount, as: UInt32.self)
        storage.storeBytes(
            of: UInt32(truncatingIfNeeded: value.count).littleEndian, toByteOffset: byteCount + 4, as: UInt32.self)
        if let base = name.baseAddress { memcpy(storage + byteCount + 8, base, name.count) }
        if let base = value.baseAddress { memcpy(storage + byteCount + 8 + name.count, base, value.count) }
        byteCount = needed
    }

    /// All the fields, in the order nginx sent them; made on the first call.
    var fields: HTTPFields {
        parsed.withLock { parsed in
            if let parsed { return parsed }
            var fields = HTTPFields()
            forEachField { name, value in
                guard let fieldName = Self.fieldName(fromCGI: name) else { return }
                fields.append(HTTPField(name: fieldName, value: value))
            }
            parsed = fields
            return fields
        }
    }

    /// The values of the fields named `name`, in order; what `fields[values: name]` holds.
    func values(of name: HTTPField.Name) -> [String] {
        var values: [String] = []
        forEachField { cgiName, value in
            if Self.cgiName(cgiName, matches: name) { values.append(HTTPField(name: name, value: value).value) }
        }
        return values
    }

    /// The value of the field named `name`, repeated fields joined as `HTTPFields` joins them
    /// (`; ` for `Cookie`, `, ` for the rest); nil without one. What `fields[name]` holds.
    func value(of name: HTTPField.Name) -> String? {
        let values = values(of: name)
        switch values.count {
        case 0: return nil
        case 1: return values[0]
        default: return values.joined(separator: name == .cookie ? "; " : ", ")
        }
    }

    private func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        let block = UnsafeRawBufferPointer(start: storage, count: byteCount)
        var offset = 0
        while offset < block.count {
            let nameCount = Int(UInt32(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            let valueCount = Int(UInt32(littleEndian: block.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
            let nameStart = offset + 8
            let valueStart = nameStart + nameCount
            offset = valueStart + valueCount
            body(
                UnsafeRawBufferPointer(rebasing: block[nameStart..<valueStart]),
                UnsafeRawBufferPointer(rebasing: block[valueStart..<offset]))
        }
    }

    /// Whether the CGI name (`X_FORWARDED_FOR`) is `name` (`x-forwarded-for`).
    private static func cgiName(_ cgiName: UnsafeRawBufferPointer, matches name: HTTPField.Name) -> Bool {
        var canonical = name.canonicalName
        return canonical.withUTF8 { canonical in
            guard canonical.count == cgiName.count else { return false }
            for index in 0..<canonical.count where lowercased(cgiName[index]) != canonical[index] {
                return false
            }
            return true
        }
    }

    /// `X_FORWARDED_FOR` → `x-forwarded-for`; nil when it is not a valid field name.
    private static func fieldName(fromCGI name: UnsafeRawBufferPointer) -> HTTPField.Name? {
        let lowercased = String(unsafeUninitializedCapacity: name.count) { buffer in
            for (index, byte) in name.enumerated() { buffer[index] = Self.lowercased(byte) }
            return name.count
        }
        return HTTPField.Name(parsed: lowercased)
    }

    /// A byte of a CGI name as it reads in a field name: `_` is `-`, capitals are small.
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "_"): UInt8(ascii: "-")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
        default: byte
        }
    }
}
