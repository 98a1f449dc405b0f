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
    private var buffer: [UInt8] = []
    private var descriptor: Int32?
    /// For a spilling output: the byte count past which the buffer goes to a temporary file.
    private let spillLimit: Int?
    /// The temporary file a spilling output has moved its bytes to, once it has.
    private var spill: UnsafeMutablePointer<FILE>?
    /// Bytes written to the descriptor or the spill file so far.
    private var flushedCount = 0

    /// An output that writes to `fileDescriptor` (1: standard output) as its buffer fills.
    public init(fileDescriptor: Int32) {
        descriptor = fileDescriptor
        spillLimit = nil
        buffer.reserveCapacity(Self.chunk)
    }

    /// An output that keeps everything in memory (`text` reads it).
    public init() {
        descriptor = nil
        spillLimit = nil
    }

    /// An output in memory up to `limit` bytes, in a temporary file beyond.
    public init(spillingAfter limit: Int) {
        descriptor = nil
        spillLimit = limit
    }

    deinit {
        if let spill { fclose(spill) }
    }

    static let chunk = 1 << 16

    /// Everything written, as text (a memory output; a spilled one reads its file back).
    public var text: String {
        let copy = ReportOutput()
        copyContents(to: copy)
        return String(decoding: copy.buffer, as: UTF8.self)
    }

    /// How many bytes were written.
    public var count: Int { flushedCount + buffer.count }

    // MARK: - Writing

    public func write(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    public func write(_ string: StaticString) {
        append(UnsafeBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    public func write(_ int: Int) {
        if int >= 0, int < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(int))
        } else {
            write(String(int))
        }
        if buffer.count >= Self.chunk { drain() }
    }

    /// `string` as a JSON string literal: quotes and backslashes escaped, `\n`, `\r` and `\t`
    /// by name, other control characters as `\u00XX`; everything else, `/` and non-ASCII
    /// included, as is (UTF-8).
    public func writeJSONString(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            buffer.append(UInt8(ascii: "\""))
            var start = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                switch byte {
                case UInt8(ascii: "\""): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                               hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
                start = i + 1
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
            buffer.append(UInt8(ascii: "\""))
        }
        if buffer.count >= Self.chunk { drain() }
    }

    /// Appends everything written to `source` (a memory or spilling output) to this output.
    public func write(contentsOf source: ReportOutput) {
        source.copyContents(to: self)
    }

    /// Sends what is buffered to the file descriptor (a memory output keeps it).
    public func flush() {
        if descriptor != nil { drain() }
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunk { drain() }
    }

    /// Moves the buffer to the descriptor or, for a spilling output past its limit, to the
    /// temporary file; a memory output keeps it.
    private func drain() {
        if let descriptor {
            writeAll(descriptor)
            return
        }
        guard let limit = spillLimit, buffer.count + flushedCount > limit else { return }
        if spill == nil { spill = tmpfile() }
        guard let spill else { return }   // no temporary file: keep it in memory
        let written = buffer.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, spill) }
        guard written == buffer.count else { return }
        flushedCount += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ descriptor: Int32) {
        fflush(nil)   // anything print() left in stdio's buffers goes first
        var offset = 0
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 {
                if written < 0, errno == EINTR { continue }
                break   // a closed pipe: nothing more can be said
            }
            offset += written
        }
        flushedCount += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func copyContents(to target: ReportOutput) {
        if let spill {
            fflush(spill)
            rewind(spill)
            var chunk = [UInt8](repeating: 0, count: Self.chunk)
            while true {
                let read = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 1, $0.count, spill) }
                if read == 0 { break }
                chunk.withUnsafeBufferPointer { target.append(UnsafeBufferPointer(rebasing: $0[..<read])) }
            }
            fseek(spill, 0, SEEK_END)
        }
        buffer.withUnsafeBufferPointer { target.append($0) }
    }
}
