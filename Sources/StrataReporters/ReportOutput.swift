#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Where a report's bytes go: standard output (or any file descriptor) through a 64 KiB
/// buffer, or memory. Reporters append UTF-8 here piece by piece, so a report with tens of
/// thousands of findings is never held as one string.
///
/// A memory output made with `spillingAfter:` keeps at most that many bytes in memory and moves
/// the rest to an unnamed temporary file: the JSON reporter collects its findings in one, because
/// its summary (counted at the end) is written before them.
public final class ReportOutput {
    /// The buffer: raw storage, because appending to an array a piece at a time copies byte by
    /// byte, and a report is millions of small pieces.
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var used = 0
    private let descriptor: Int32?
    /// For a spilling output: the byte count past which the buffer goes to a temporary file.
    private let spillLimit: Int?
    /// The temporary file a spilling output has moved its bytes to, once it has.
    private var spill: UnsafeMutablePointer<FILE>?
    /// Bytes written to the descriptor or the spill file so far.
    private var flushedCount = 0

    static let chunk = 1 << 16

    /// An output that writes to `fileDescriptor` (1: standard output) as its buffer fills.
    public convenience init(fileDescriptor: Int32) {
        self.init(descriptor: fileDescriptor, spillLimit: nil)
    }

    /// An output that keeps everything in memory (`text` reads it).
    public convenience init() {
        self.init(descriptor: nil, spillLimit: nil)
    }

    /// An output in memory up to `limit` bytes, in a temporary file beyond.
    public convenience init(spillingAfter limit: Int) {
        self.init(descriptor: nil, spillLimit: limit)
    }

    private init(descriptor: Int32?, spillLimit: Int?) {
        self.descriptor = descriptor
        self.spillLimit = spillLimit
        capacity = descriptor == nil ? 4096 : Self.chunk + 4096
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
        if let spill { fclose(spill) }
    }

    /// Everything written, as text (a memory output; a spilled one reads its file back).
    public var text: String {
        let copy = ReportOutput()
        copyContents(to: copy)
        return String(decoding: UnsafeBufferPointer(start: copy.storage, count: copy.used), as: UTF8.self)
    }

    /// How many bytes were written.
    public var count: Int { flushedCount + used }

    // MARK: - Writing

    public func write(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
        drainIfFull()
    }

    public func write(_ string: StaticString) {
        append(UnsafeBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
        drainIfFull()
    }

    public func write(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
        drainIfFull()
    }

    public func write(_ int: Int) {
        if int >= 0, int < 10 {
            append(byte: UInt8(ascii: "0") + UInt8(int))
        } else {
            write(String(int))
        }
        drainIfFull()
    }

    /// `string` as a JSON string literal: quotes and backslashes escaped, `\n`, `\r` and `\t`
    /// by name, other control characters as `\u00XX`; everything else, `/` and non-ASCII
    /// included, as is (UTF-8).
    public func writeJSONString(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            append(byte: UInt8(ascii: "\""))
            var start = 0
            var i = 0
            let count = bytes.count
            let base = UnsafeRawPointer(bytes.baseAddress)
            while i < count {
                // Most text needs no escape: runs of it are copied whole, found eight bytes at a
                // time (a byte below 0x20, a quote or a backslash stops the run).
                if let base, i + 8 <= count, !Self.needsEscape(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i += 8
                    continue
                }
                let byte = bytes[i]
                if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
                append(UnsafeBufferPointer(rebasing: bytes[start..<i]))
                append(byte: UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(byte: byte)
                case 0x0A: append(byte: UInt8(ascii: "n"))
                case 0x0D: append(byte: UInt8(ascii: "r"))
                case 0x09: append(byte: UInt8(ascii: "t"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    append(byte: UInt8(ascii: "u"))
                    append(byte: UInt8(ascii: "0"))
                    append(byte: UInt8(ascii: "0"))
                    append(byte: hex.utf8Start[Int(byte >> 4)])
                    append(byte: hex.utf8Start[Int(byte & 0xF)])
                }
                i += 1
                start = i
            }
            append(UnsafeBufferPointer(rebasing: bytes[start..<count]))
            append(byte: UInt8(ascii: "\""))
        }
        drainIfFull()
    }

    /// Whether any of eight bytes is below 0x20, `"` or `\` (the bit tricks of "Bit Twiddling
    /// Hacks": a byte below n sets its high bit in `(x - n) & ~x`; equality is a zero after XOR).
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & high
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let quotes = (quote &- ones) & ~quote & high
        let backslashes = (backslash &- ones) & ~backslash & high
        return control | quotes | backslashes != 0
    }

    /// Appends everything written to `source` (a memory or spilling output) to this output.
    public func write(contentsOf source: ReportOutput) {
        source.copyContents(to: self)
    }

    /// Sends what is buffered to the file descriptor (a memory output keeps it).
    public func flush() {
        if descriptor != nil { drain() }
    }

    // MARK: - The buffer

    @inline(__always)
    private func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (storage + used).update(from: base, count: bytes.count)
        used += bytes.count
    }

    @inline(__always)
    private func append(byte: UInt8) {
        reserve(1)
        storage[used] = byte
        used += 1
    }

    @inline(__always)
    private func reserve(_ extra: Int) {
        guard capacity - used < extra else { return }
        let grown = max(capacity * 2, used + extra)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.update(from: storage, count: used)
        storage.deallocate()
        storage = larger
        capacity = grown
    }

    @inline(__always)
    private func drainIfFull() {
        if used >= Self.chunk, descriptor != nil || spillLimit.map({ used + flushedCount > $0 }) == true { drain() }
    }

    /// Moves the buffer to the descriptor or, for a spilling output past its limit, to the
    /// temporary file; a memory output keeps it.
    private func drain() {
        if let descriptor {
            writeAll(descriptor)
            return
        }
        guard let limit = spillLimit, used + flushedCount > limit else { return }
        if spill == nil { spill = tmpfile() }
        guard let spill else { return }   // no temporary file: keep it in memory
        guard fwrite(storage, 1, used, spill) == used else { return }
        flushedCount += used
        used = 0
    }

    private func writeAll(_ descriptor: Int32) {
        fflush(nil)   // anything print() left in stdio's buffers goes first
        var offset = 0
        while offset < used {
            let written = systemWrite(descriptor, storage + offset, used - offset)
            if written <= 0 {
                if written < 0, errno == EINTR { continue }
                break   // a closed pipe: nothing more can be said
            }
            offset += written
        }
        flushedCount += used
        used = 0
    }

    private func copyContents(to target: ReportOutput) {
        if let spill {
            fflush(spill)
            rewind(spill)
            let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.chunk)
            defer { chunk.deallocate() }
            while true {
                let read = fread(chunk, 1, Self.chunk, spill)
                if read == 0 { break }
                target.append(UnsafeBufferPointer(start: chunk, count: read))
                target.drainIfFull()
            }
            fseek(spill, 0, SEEK_END)
        }
        target.append(UnsafeBufferPointer(start: storage, count: used))
        target.drainIfFull()
    }
}
