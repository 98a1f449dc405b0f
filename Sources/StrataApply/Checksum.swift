import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checksum recorded for a migration: SHA-256 (hex) of the file with a leading UTF-8 BOM
/// removed and line endings normalised to LF, so a checkout with CRLF (Windows, autocrlf)
/// does not look like an edit. The text hashed is `ChecksumText.normalized` (StrataCore, where
/// history compares migrations by it); it is hashed here without being copied out.
public enum Checksum {
    public static func of(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { of(buffer: $0) }
    }

    /// Of a section's text (the DOWN SQL), normalised the same way.
    public static func of(_ text: Substring) -> String { of(Array(text.utf8)) }

    /// Of the bytes from `start` on (a section), without copying them.
    public static func of(_ bytes: [UInt8], from start: Int) -> String {
        bytes.withUnsafeBufferPointer { of(buffer: UnsafeBufferPointer(rebasing: $0[min(start, $0.count)...])) }
    }

    /// The text is hashed as it lies, run by run between the CRs of CRLF pairs (found with
    /// memchr), rather than copied out normalised first: the applier hashes every file twice
    /// (whole and DOWN section) before the first migration runs.
    static func of(buffer: UnsafeBufferPointer<UInt8>) -> String {
        var hasher = SHA256()
        guard let base = buffer.baseAddress else { return hex(hasher.finalize()) }
        let count = buffer.count
        var run = count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF ? 3 : 0
        var i = run
        while i < count, let found = memchr(base + i, 0x0D, count - i) {
            let cr = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            // CRLF → LF; a lone CR is content (it may sit inside a string literal).
            if cr + 1 < count, base[cr + 1] == 0x0A {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base + run, count: cr - run))
                run = cr + 1
            }
            i = cr + 1
        }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base + run, count: count - run))
        return hex(hasher.finalize())
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits: StaticString = "0123456789abcdef"
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits.utf8Start[Int(b >> 4)])
            out.append(digits.utf8Start[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
