import Crypto

/// The checksum recorded for a migration: SHA-256 (hex) of the file with a leading UTF-8 BOM
/// removed and line endings normalised to LF, so a checkout with CRLF (Windows, autocrlf)
/// does not look like an edit.
public enum Checksum {
    public static func of(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: normalized(bytes)))
    }

    /// Of a section's text (the DOWN SQL), normalised the same way.
    public static func of(_ text: Substring) -> String { of(Array(text.utf8)) }

    static func normalized(_ bytes: [UInt8]) -> [UInt8] {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count - start)
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            // CRLF → LF; a lone CR is content (it may sit inside a string literal).
            if !(b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) { out.append(b) }
            i += 1
        }
        return out
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
