import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 heads and chunk framing straight into a `ByteBuffer`.
///
/// Each line is one `writeWithUnsafeMutableBytes` that copies its pieces: a `ByteBuffer` write
/// checks uniqueness and capacity every time, and a head has a dozen fields of four pieces each.
public enum HTTP1Writer {
    public static func writeRequestLine(method: HTTPMethod, target: String, into buffer: inout ByteBuffer) {
        withBytes(of: target) { target in
            writeLine(method.rawValue, " ", target, " HTTP/1.1\r\n", into: &buffer)
        }
    }

    public static func writeStatusLine(_ status: HTTPResponseStatus, into buffer: inout ByteBuffer) {
        let code = Int(status.code)
        withBytes(of: status.reasonPhrase) { reason in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 15 + reason.count) { out in
                let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
                copy("HTTP/1.1 ", to: base)
                base[9] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: code / 100 % 10)
                base[10] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: code / 10 % 10)
                base[11] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: code % 10)
                base[12] = UInt8(ascii: " ")
                var at = 13
                at += copy(reason, to: base + at)
                at += copy("\r\n", to: base + at)
                return at
            }
        }
    }

    public static func writeField(_ name: StaticString, _ value: String, into buffer: inout ByteBuffer) {
        name.withUTF8Buffer { name in
            withBytes(of: value) { value in writeField(UnsafeRawBufferPointer(name), value, into: &buffer) }
        }
    }

    public static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        withBytes(of: name) { name in
            withBytes(of: value) { value in writeField(name, value, into: &buffer) }
        }
    }

    public static func writeField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        writeLine(name, ": ", value, "\r\n", into: &buffer)
    }

    /// `name: value\r\n` with a decimal value (`content-length`, `x-forwarded-port`).
    public static func writeField(_ name: StaticString, decimal value: Int, into buffer: inout ByteBuffer) {
        _ = name.withUTF8Buffer { name in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: name.count + 24) { out in
                let base = out.baseAddress!
                var at = copy(UnsafeRawBufferPointer(name), to: base)
                at += copy(": ", to: base + at)
                at += writeDigits(value, to: base + at)
                at += copy("\r\n", to: base + at)
                return at
            }
        }
    }

    /// `SIZE\r\n` before a chunk of `size` bytes.
    public static func writeChunkHeader(size: Int, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 18) { out in
            let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var digits = 1
            while digits < 16 && size >> (4 * digits) != 0 { digits += 1 }
            for index in 0..<digits {
                let nibble = UInt8(truncatingIfNeeded: size >> (4 * (digits - 1 - index))) & 0xF
                base[index] = nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
            }
            base[digits] = UInt8(ascii: "\r")
            base[digits + 1] = UInt8(ascii: "\n")
            return digits + 2
        }
    }

    public static let crlf: StaticString = "\r\n"
    public static let lastChunk: StaticString = "0\r\n\r\n"

    // MARK: Copying

    private static func writeLine(_ first: UnsafeRawBufferPointer, _ separator: StaticString, _ second: UnsafeRawBufferPointer, _ end: StaticString, into buffer: inout ByteBuffer) {
        let count = first.count + separator.utf8CodeUnitCount + second.count + end.utf8CodeUnitCount
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { out in
            let base = out.baseAddress!
            var at = copy(first, to: base)
            at += copy(separator, to: base + at)
            at += copy(second, to: base + at)
            at += copy(end, to: base + at)
            return at
        }
    }

    private static func writeLine(_ first: String, _ separator: StaticString, _ second: UnsafeRawBufferPointer, _ end: StaticString, into buffer: inout ByteBuffer) {
        withBytes(of: first) { first in
            writeLine(first, separator, second, end, into: &buffer)
        }
    }

    /// A string's UTF-8 bytes without copying the string (native strings are contiguous).
    @inline(__always)
    private static func withBytes(of text: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        if text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) == nil {
            var text = text
            text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    @inline(__always)
    private static func copy(_ bytes: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) -> Int {
        if let source = bytes.baseAddress, bytes.count > 0 { destination.copyMemory(from: source, byteCount: bytes.count) }
        return bytes.count
    }

    @inline(__always)
    @discardableResult
    static func copy(_ text: StaticString, to destination: UnsafeMutableRawPointer) -> Int {
        destination.copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
        return text.utf8CodeUnitCount
    }

    /// The decimal digits of `value` (a negative value writes `0`: lengths and ports only).
    @inline(__always)
    private static func writeDigits(_ value: Int, to destination: UnsafeMutableRawPointer) -> Int {
        guard value > 0 else {
            destination.storeBytes(of: UInt8(ascii: "0"), as: UInt8.self)
            return 1
        }
        var digits = 0
        var rest = value
        while rest > 0 { digits += 1; rest /= 10 }
        rest = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            destination.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10), toByteOffset: index, as: UInt8.self)
            rest /= 10
        }
        return digits
    }
}
