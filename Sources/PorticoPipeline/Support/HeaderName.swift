/// A case-insensitive header-name check that allocates nothing (no `lowercased()` on the request path).
public enum HeaderName {
    /// Whether `name` equals `lowercase` (an all-lower-case ASCII literal), ignoring ASCII case.
    @inlinable
    public static func equals(_ name: String, _ lowercase: StaticString) -> Bool {
        var name = name
        return name.withUTF8 { HTTP1Bytes.equalsLowercase(UnsafeRawBufferPointer($0), lowercase) }
    }
}
