import NIOCore

/// Decodes a chunked body (RFC 9112 §7.1) incrementally, yielding the payload as slices of the
/// input (no copy), and refuses malformed sizes, overflowing sizes and missing CRLFs. Trailer fields
/// are read and dropped.
public struct ChunkedDecoder: Sendable {
    enum State: Sendable {
        case size(value: Int, digits: Int)
        case extensionBytes(size: Int)
        case sizeLF(size: Int)
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLineStart(bytes: Int)
        case trailerLine(bytes: Int)
        case trailerLF(bytes: Int, empty: Bool)
        case done
    }

    private var state: State = .size(value: 0, digits: 0)
    static let maxTrailerBytes = 8192

    public init() {}

    public var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes bytes from `buffer` (up to the end of the body), calling `output` with payload
    /// slices; returns true once the last chunk and trailers were read.
    public mutating func decode(_ buffer: inout ByteBuffer, output: (ByteBuffer) -> Void) throws(HTTP1ParseError) -> Bool {
        while buffer.readableBytes > 0 {
            switch state {
            case .data(let remaining):
                let take = min(remaining, buffer.readableBytes)
                output(buffer.readSlice(length: take)!)
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
                continue
            case .done:
                return true
            default:
                break
            }
            let byte = buffer.readInteger(as: UInt8.self)!
            switch state {
            case .size(let value, let digits):
                if let digit = Self.hexValue(byte) {
                    guard digits < 15 else { throw .malformed("chunk size too large") }
                    state = .size(value: value << 4 | digit, digits: digits + 1)
                } else if digits == 0 {
                    throw .malformed("bad chunk size")
                } else if byte == UInt8(ascii: "\r") {
                    state = .sizeLF(size: value)
                } else if byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    state = .extensionBytes(size: value)
                } else {
                    throw .malformed("bad chunk size")
                }
            case .extensionBytes(let size):
                if byte == UInt8(ascii: "\r") {
                    state = .sizeLF(size: size)
                } else if byte == UInt8(ascii: "\n") || (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                    throw .malformed("bad chunk extension")
                }
            case .sizeLF(let size):
                guard byte == UInt8(ascii: "\n") else { throw .malformed("bare CR in chunk size") }
                state = size == 0 ? .trailerLineStart(bytes: 0) : .data(remaining: size)
            case .dataCR:
                guard byte == UInt8(ascii: "\r") else { throw .malformed("chunk data longer than its size") }
                state = .dataLF
            case .dataLF:
                guard byte == UInt8(ascii: "\n") else { throw .malformed("bare CR after chunk data") }
                state = .size(value: 0, digits: 0)
            case .trailerLineStart(let bytes):
                if byte == UInt8(ascii: "\r") {
                    state = .trailerLF(bytes: bytes, empty: true)
                } else if byte == UInt8(ascii: "\n") {
                    throw .malformed("bare LF in trailers")
                } else {
                    state = .trailerLine(bytes: bytes + 1)
                }
            case .trailerLine(let bytes):
                guard bytes < Self.maxTrailerBytes else { throw .malformed("trailers too large") }
                if byte == UInt8(ascii: "\r") {
                    state = .trailerLF(bytes: bytes, empty: false)
                } else if byte == UInt8(ascii: "\n") {
                    throw .malformed("bare LF in trailers")
                } else {
                    state = .trailerLine(bytes: bytes + 1)
                }
            case .trailerLF(let bytes, let empty):
                guard byte == UInt8(ascii: "\n") else { throw .malformed("bare CR in trailers") }
                if empty {
                    state = .done
                    return true
                }
                state = .trailerLineStart(bytes: bytes)
            case .data, .done:
                preconditionFailure("handled above")
            }
        }
        return isDone
    }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
