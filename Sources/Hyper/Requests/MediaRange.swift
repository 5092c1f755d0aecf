/// One media range of an `Accept` header (`type/subtype;q=0.5`), lower-cased, with its quality
/// in thousandths (0…1000).
struct MediaRange: Equatable {
    let type: Substring
    let subtype: Substring
    let quality: Int

    /// The ranges of one `Accept` field value; malformed ranges (no `/`) are skipped.
    static func parse(_ header: String) -> [MediaRange] {
        header.lowercased().split(separator: ",").compactMap { element in
            let parts = element.split(separator: ";")
            guard let range = parts.first?.trimmingWhitespace, let slash = range.firstIndex(of: "/") else {
                return nil
            }
            let type = range[..<slash]
            let subtype = range[range.index(after: slash)...]
            guard !type.isEmpty, !subtype.isEmpty else { return nil }
            var quality = 1000
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map(\.trimmingWhitespace)
                if pair.count == 2, pair[0] == "q", let value = qualityValue(pair[1]) { quality = value }
            }
            return MediaRange(type: type, subtype: subtype, quality: quality)
        }
    }

    /// The quality `ranges` give `type/subtype`: that of the most specific matching range,
    /// 0 when none matches.
    static func quality(of type: Substring, _ subtype: Substring, in ranges: [MediaRange]) -> Int {
        var best: (specificity: Int, quality: Int) = (-1, 0)
        for range in ranges {
            let specificity: Int
            if range.type == type && range.subtype == subtype {
                specificity = 2
            } else if range.type == type && range.subtype == "*" {
                specificity = 1
            } else if range.type == "*" && range.subtype == "*" {
                specificity = 0
            } else {
                continue
            }
            if specificity > best.specificity { best = (specificity, range.quality) }
        }
        return best.quality
    }

    /// An RFC 9110 `qvalue` (`0`, `0.5`, `1.000`, at most three decimals) in thousandths.
    private static func qualityValue(_ text: Substring) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole == "0" || whole == "1" else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 3, fraction.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        var thousandths = whole == "1" ? 1000 : 0
        var scale = 100
        for digit in fraction.utf8 {
            thousandths += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return thousandths > 1000 ? nil : thousandths
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }) else { return "" }
        let last = lastIndex(where: { !isBlank($0) })!
        return self[first...last]
    }
}
