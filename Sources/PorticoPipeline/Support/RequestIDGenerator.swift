import NIOCore

/// A request's ids, shaped like AWS's: a UUID for `x-amzn-RequestId` and `$context.requestId`, and
/// a 16-character base64 id (`KtF82HGdliAFjxw=`) for `x-amz-apigw-id` / `apigw-requestid`. Kept as
/// numbers and written as text only where they are sent: no `String` per request.
public struct RequestID: Sendable, Hashable {
    let high: UInt64
    let low: UInt64
    let short: UInt64
    let shortExtra: UInt64

    /// Uniform in [0, 1), from random bits of the id (not the UUID's fixed version/variant bits).
    public var canaryRoll: Double { Double(low & ((1 << 53) - 1)) / Double(UInt64(1) << 53) }

    /// The base64 alphabet: constant bytes read through a pointer (a `static let` table would
    /// cost a lazy-initialisation check per use).
    static var base64Alphabet: StaticString { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }

    @inline(__always)
    static func base64(_ value: UInt64) -> UInt8 {
        base64Alphabet.utf8Start[Int(value & 63)]
    }

    /// Writes the version-4 UUID in lower case.
    public func writeUUID(into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 36) { out in writeUUID(to: out.baseAddress!) }
    }

    /// Writes the 36 characters of the UUID at `out`; returns 36.
    @inline(__always)
    public func writeUUID(to out: UnsafeMutableRawPointer) -> Int {
        // Eight digits per store (8-4-4-4-12 with dashes between), not a branch per digit.
        out.storeBytes(of: Self.hexDigits(UInt32(truncatingIfNeeded: high >> 32)), toByteOffset: 0, as: UInt64.self)
        let second = Self.hexDigits(UInt32(truncatingIfNeeded: high))
        out.storeBytes(of: UInt32(truncatingIfNeeded: second), toByteOffset: 9, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: second >> 32), toByteOffset: 14, as: UInt32.self)
        let third = Self.hexDigits(UInt32(truncatingIfNeeded: low >> 32))
        out.storeBytes(of: UInt32(truncatingIfNeeded: third), toByteOffset: 19, as: UInt32.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: third >> 32), toByteOffset: 24, as: UInt32.self)
        out.storeBytes(of: Self.hexDigits(UInt32(truncatingIfNeeded: low)), toByteOffset: 28, as: UInt64.self)
        out.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 8, as: UInt8.self)
        out.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 13, as: UInt8.self)
        out.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 18, as: UInt8.self)
        out.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 23, as: UInt8.self)
        return 36
    }

    /// The eight lower-case hex digits of `value`, as the bytes of a little-endian word (first
    /// digit in the lowest byte): the nibbles are spread one per byte, then turned into ASCII
    /// all at once.
    @inline(__always)
    static func hexDigits(_ value: UInt32) -> UInt64 {
        var spread = UInt64(value)
        spread = (spread | (spread << 16)) & 0x0000_FFFF_0000_FFFF
        spread = (spread | (spread << 8)) & 0x00FF_00FF_00FF_00FF
        spread = (spread | (spread << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        spread = spread.byteSwapped  // the most significant digit first in memory
        let letters = ((spread &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101  // 1 where the digit is 10–15
        return (spread &+ 0x3030_3030_3030_3030 &+ letters &* 0x27).littleEndian
    }

    /// Writes 15 base64 characters and `=`.
    public func writeShort(into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16) { out in writeShort(to: out.baseAddress!) }
    }

    /// Writes the 16 characters of the short id at `out`; returns 16.
    @inline(__always)
    public func writeShort(to out: UnsafeMutableRawPointer) -> Int {
        var value = short
        for index in 0..<15 {
            if index == 10 { value = shortExtra }
            out.storeBytes(of: Self.base64(value & 63), toByteOffset: index, as: UInt8.self)
            value >>= 6
        }
        out.storeBytes(of: UInt8(ascii: "="), toByteOffset: 15, as: UInt8.self)
        return 16
    }

    /// The response fields that carry the ids, in one write: `x-amzn-RequestId` and
    /// `x-amz-apigw-id` for REST APIs, `apigw-requestid` for HTTP APIs.
    public func writeResponseFields(rest: Bool, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 96) { out in
            let base = out.baseAddress!
            var at = 0
            if rest {
                at += HTTP1Writer.copy("x-amzn-RequestId: ", to: base)
                at += writeUUID(to: base + at)
                at += HTTP1Writer.copy("\r\nx-amz-apigw-id: ", to: base + at)
            } else {
                at += HTTP1Writer.copy("apigw-requestid: ", to: base)
            }
            at += writeShort(to: base + at)
            at += HTTP1Writer.copy("\r\n", to: base + at)
            return at
        }
    }

    public var uuid: String {
        var buffer = ByteBuffer()
        writeUUID(into: &buffer)
        return String(buffer: buffer)
    }

    public var shortID: String {
        var buffer = ByteBuffer()
        writeShort(into: &buffer)
        return String(buffer: buffer)
    }
}

/// Makes request ids; one generator per event loop (xoshiro256**, seeded from the system), so no
/// lock is shared.
public struct RequestIDGenerator: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init() {
        var system = SystemRandomNumberGenerator()
        state = (system.next(), system.next(), system.next(), system.next() | 1)
    }

    private mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func make() -> RequestID {
        let high = (next() & ~0xF000) | 0x4000  // version 4
        let low = (next() & ~(0xC << 60)) | (0x8 << 60)  // variant 10
        return RequestID(high: high, low: low, short: next(), shortExtra: next())
    }
}
