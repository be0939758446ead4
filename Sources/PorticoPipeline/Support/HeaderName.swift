/// A case-insensitive header-name check that allocates nothing (no `lowercased()` on the request path).
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
}
