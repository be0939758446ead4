/// Request ids shaped like AWS's: a UUID for `x-amzn-RequestId` and `$context.requestId`, and a
/// 16-character base64 id (`KtF82HGdliAFjxw=`) for `x-amz-apigw-id` / `apigw-requestid`.
/// One generator per event loop (xoshiro256**, seeded from the system), so no lock is shared.
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

    /// A version-4 UUID in lower case.
    public mutating func uuid() -> String {
        var high = next()
        var low = next()
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant 10
        let hex = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 { bytes.append(UInt8(ascii: "-")) }
            let word = index < 16 ? high : low
            let shift = UInt64(60 - (index % 16) * 4)
            bytes.append(hex[Int((word >> shift) & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// 15 base64 characters and `=`, as AWS's extended request ids look.
    public mutating func shortID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var value = next()
        var extra = next()
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        for index in 0..<15 {
            if index == 10 { value = extra; extra = 0 }
            bytes.append(alphabet[Int(value & 63)])
            value >>= 6
        }
        bytes.append(UInt8(ascii: "="))
        return String(decoding: bytes, as: UTF8.self)
    }
}
