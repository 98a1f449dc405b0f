import Foundation
import StrataApply
import StrataCore
import Testing

@Suite("Checksums")
struct ChecksumTests {
    @Test func isSHA256Hex() {
        // SHA-256 of the empty input, and of "abc" (FIPS 180-2 test vector).
        #expect(Checksum.of([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Checksum.of(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func lineEndingsAndBOMDoNotCount() {
        let lf = Array("CREATE TABLE t (id INT);\nSELECT 1;\n".utf8)
        let crlf = Array("CREATE TABLE t (id INT);\r\nSELECT 1;\r\n".utf8)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + lf
        #expect(Checksum.of(crlf) == Checksum.of(lf))
        #expect(Checksum.of(bom) == Checksum.of(lf))
    }

    /// CRLF pairs become LF wherever they are, a CR before another CR stays (`\r\r\n` is
    /// `\r\n`): the digest of exactly those bytes, as `sha256sum` gives it.
    @Test func onlyCRLFPairsAreNormalised() {
        #expect(Checksum.of(Array("a\r\nb\r\r\nc\r".utf8)) == "3a0ab74f5352de35a7535cb89b9e6a70751f1f185d9dcbf5e479bd7b8d928200")
        #expect(Checksum.of([0xEF, 0xBB, 0xBF] + Array("a\r\nb\r\r\nc\r".utf8)) == "3a0ab74f5352de35a7535cb89b9e6a70751f1f185d9dcbf5e479bd7b8d928200")
    }

    /// A section's checksum (`from:`) is that of its bytes copied out.
    @Test func ofTheBytesFromAnOffset() {
        let file = Array("-- UP\r\nCREATE TABLE t (id INT);\r\n-- DOWN\r\nSELECT 1;\r\n".utf8)
        let down = file.count - Array("SELECT 1;\r\n".utf8).count
        #expect(Checksum.of(file, from: down) == "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd")
        #expect(Checksum.of(file, from: down) == Checksum.of(Array(file[down...])))
        #expect(Checksum.of(file, from: file.count) == Checksum.of([]))
    }

    /// On text where no CR precedes a CR, hashing as it lies equals hashing it with every CRLF
    /// first replaced by LF, whatever the mix and wherever the pairs fall.
    @Test func agreesWithReplacingEveryCRLF() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                let next = [UInt8(ascii: "a"), 0x0D, 0x0A].randomElement(using: &generator)!
                if next == 0x0D, text.last == 0x0D { continue }
                text.append(next)
            }
            var replaced: [UInt8] = []
            var i = 0
            while i < text.count {
                if text[i] == 0x0D, i + 1 < text.count, text[i + 1] == 0x0A { i += 1; continue }
                replaced.append(text[i])
                i += 1
            }
            #expect(Checksum.of(text) == Checksum.of(replaced), "\(text)")
        }
    }

    /// History pairs renames by the text the checksum is taken of (`ChecksumText`, StrataCore):
    /// equal checksums exactly when that text is equal.
    @Test func hashesTheTextHistoryCompares() {
        let samples: [[UInt8]] = [[], [0xEF, 0xBB, 0xBF], Array("a\r\nb\r\r\nc\r".utf8), [0xEF, 0xBB, 0xBF] + Array("x\r\n".utf8),
                                  Array("SELECT 'a\rb';\r\n".utf8), [0xEF, 0xBB] + Array("\r\n".utf8), Array("\r".utf8), Array("\n".utf8),
                                  [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF], Array("x\n".utf8), Array("\r\n".utf8), Array("\r\r\n".utf8)]
        for sample in samples {
            for other in samples {
                #expect((Checksum.of(sample) == Checksum.of(other)) == (ChecksumText.normalized(sample) == ChecksumText.normalized(other)),
                        "\(sample) \(other)")
            }
        }
    }

    @Test func aLoneCarriageReturnIsContent() {
        #expect(Checksum.of(Array("SELECT 'a\rb';".utf8)) != Checksum.of(Array("SELECT 'a\nb';".utf8)))
        #expect(Checksum.of(Array("SELECT 2;".utf8)) != Checksum.of(Array("SELECT 1;".utf8)))
    }
}

@Suite("Ledger timestamps")
struct LedgerTimestampTests {
    @Test(arguments: [0.0, 1_700_000_000.123, 951_782_400.999, 4_102_444_799.5])
    func matchFoundationsISO8601(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        #expect(Ledger.timestamp(date) == formatter.string(from: date))
    }
}
