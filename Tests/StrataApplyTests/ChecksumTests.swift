import Foundation
import StrataApply
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
