/// Case-insensitive header-name checks that allocate nothing (no `lowercased()` per header on the
/// request path).
public enum HeaderName {
    /// Whether `name` equals `lowercase` (an all-lower-case ASCII literal), ignoring ASCII case.
    @inlinable
    public static func equals(_ name: String, _ lowercase: StaticString) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
            let expected = lowercase.utf8Start
            for index in 0..<bytes.count {
                var byte = bytes[index]
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != expected[index] { return false }
            }
            return true
        }
    }

    /// Whether `name` equals `other`, ignoring ASCII case.
    public static func equals(_ name: String, ignoringCase other: String) -> Bool {
        guard name.utf8.count == other.utf8.count else { return false }
        for (a, b) in zip(name.utf8, other.utf8) where a != b {
            let la = a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a
            let lb = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            if la != lb { return false }
        }
        return true
    }

    /// Headers that apply to one hop only and are never forwarded (RFC 9110 §7.6.1), plus `host`,
    /// which the proxy sets itself.
    public static func isHopByHop(_ name: String) -> Bool {
        switch name.utf8.count {
        case 2: return equals(name, "te")
        case 7: return equals(name, "trailer") || equals(name, "upgrade")
        case 10: return equals(name, "connection") || equals(name, "keep-alive")
        case 16: return equals(name, "proxy-connection")
        case 17: return equals(name, "transfer-encoding")
        case 18: return equals(name, "proxy-authenticate")
        case 19: return equals(name, "proxy-authorization")
        default: return false
        }
    }
}
