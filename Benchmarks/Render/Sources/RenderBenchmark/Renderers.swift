import Hyper
import Mustache

/// The same page, rendered three ways. Each returns the page's UTF-8 bytes.
enum Renderers {
    static let title = "Users & <friends>"

    /// Hyper's HTML with `ForEach`, the way the README recommends for long lists.
    static func hyper(_ rows: [Row]) -> [UInt8] {
        let page: HTML = """
            <!doctype html>
            <html><head><title>\(title)</title></head><body>
            <table>
            \(ForEach(rows) { row in
                "<tr><td>\(row.id)</td><td>\(row.name)</td><td>\(row.email)</td><td>\(row.city)</td><td>\(row.note)</td></tr>\n"
            })</table>
            </body></html>

            """
        return page.bytes
    }

    /// Hyper's HTML with `\(rows.map { … })`: one HTML value (one allocation) per row.
    static func hyperMap(_ rows: [Row]) -> [UInt8] {
        let page: HTML = """
            <!doctype html>
            <html><head><title>\(title)</title></head><body>
            <table>
            \(rows.map { row -> HTML in
                "<tr><td>\(row.id)</td><td>\(row.name)</td><td>\(row.email)</td><td>\(row.city)</td><td>\(row.note)</td></tr>\n"
            })</table>
            </body></html>

            """
        return page.bytes
    }

    static let mustacheTemplate = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html><head><title>{{title}}</title></head><body>
            <table>
            {{#rows}}<tr><td>{{id}}</td><td>{{name}}</td><td>{{email}}</td><td>{{city}}</td><td>{{note}}</td></tr>
            {{/rows}}</table>
            </body></html>

            """)

    /// swift-mustache with a template parsed once.
    static func mustache(_ rows: [Row]) -> [UInt8] {
        let context: [String: Any] = [
            "title": title,
            "rows": rows.map { ["id": $0.id, "name": $0.name, "email": $0.email, "city": $0.city, "note": $0.note] },
        ]
        return Array(mustacheTemplate.render(context).utf8)
    }

    /// The hand-written floor: UTF-8 bytes appended to one array with a byte-level escape loop.
    static func baseline(_ rows: [Row]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160_000)
        func append(_ literal: StaticString) {
            literal.withUTF8Buffer { out.append(contentsOf: $0) }
        }
        func escape(_ text: String) {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "&"): append("&amp;")
                case UInt8(ascii: "<"): append("&lt;")
                case UInt8(ascii: ">"): append("&gt;")
                case UInt8(ascii: "\""): append("&quot;")
                case UInt8(ascii: "'"): append("&#39;")
                default: out.append(byte)
                }
            }
        }
        append("<!doctype html>\n<html><head><title>")
        escape(title)
        append("</title></head><body>\n<table>\n")
        for row in rows {
            append("<tr><td>")
            out.append(contentsOf: String(row.id).utf8)
            append("</td><td>")
            escape(row.name)
            append("</td><td>")
            escape(row.email)
            append("</td><td>")
            escape(row.city)
            append("</td><td>")
            escape(row.note)
            append("</td></tr>\n")
        }
        append("</table>\n</body></html>\n")
        return out
    }
}
