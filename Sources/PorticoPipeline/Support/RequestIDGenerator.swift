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

    /// Digits computed, not looked up: a `static let` table costs a `swift_once` check per use.
    @inline(__always)
    static func hex(_ value: UInt64) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + UInt8(value) : UInt8(ascii: "a") + UInt8(value - 10)
    }

    @inline(__always)
    static func base64(_ value: UInt64) -> UInt8 {
        switch value {
        case 0..<26: return UInt8(ascii: "A") + UInt8(value)
        case 26..<52: return UInt8(ascii: "a") + UInt8(value - 26)
        case 52..<62: return UInt8(ascii: "0") + UInt8(value - 52)
        case 62: return UInt8(ascii: "+")
        default: return UInt8(ascii: "/")
        }
    }

    /// Writes the version-4 UUID in lower case.
    public func writeUUID(into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 36) { out in writeUUID(to: out.baseAddress!) }
    }

    /// Writes the 36 characters of the UUID at `out`; returns 36.
    @inline(__always)
    public func writeUUID(to out: UnsafeMutableRawPointer) -> Int {
        var position = 0
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 {
                out.storeBytes(of: UInt8(ascii: "-"), toByteOffset: position, as: UInt8.self)
                position += 1
            }
            let word = index < 16 ? high : low
            let shift = UInt64(60 - (index % 16) * 4)
            out.storeBytes(of: Self.hex((word >> shift) & 0xF), toByteOffset: position, as: UInt8.self)
            position += 1
        }
        return 36
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
