/// JSON string literals, for the JSON text written by hand: strata-suppressions.json (its layout
/// is reviewed in pull requests), sqitch's plan, messages that quote a key. Documents and the
/// event log go through `StrataJSON`.
public enum JSONText {
    /// `string` as a JSON string literal: quotes and backslashes escaped, `\n`, `\r` and `\t` by
    /// name, other control characters as `\u00XX`; everything else, `/` and non-ASCII included,
    /// as is (UTF-8).
    public static func quote(_ string: String) -> String {
        // Most strings need no escape: copy them whole (a scalar loop costs more than the
        // rest of a large report).
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + string + "\""
        }
        var out = "\""
        out.reserveCapacity(string.utf8.count + 2)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }
}
