import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 heads and chunk framing straight into a `ByteBuffer`.
public enum HTTP1Writer {
    public static func writeRequestLine(method: HTTPMethod, target: String, into buffer: inout ByteBuffer) {
        buffer.writeString(method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(target)
        buffer.writeStaticString(" HTTP/1.1\r\n")
    }

    public static func writeStatusLine(_ status: HTTPResponseStatus, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/1.1 ")
        let code = Int(status.code)
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 100))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code % 10))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
    }

    public static func writeField(_ name: StaticString, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    public static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    public static func writeField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.writeBytes(name)
        buffer.writeStaticString(": ")
        buffer.writeBytes(value)
        buffer.writeStaticString("\r\n")
    }

    public static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        if value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
        } else {
            buffer.writeString(String(value))
        }
    }

    /// `SIZE\r\n` before a chunk of `size` bytes.
    public static func writeChunkHeader(size: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(size, radix: 16))
        buffer.writeStaticString("\r\n")
    }

    public static let crlf: StaticString = "\r\n"
    public static let lastChunk: StaticString = "0\r\n\r\n"
}
