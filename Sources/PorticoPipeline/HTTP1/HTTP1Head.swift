import NIOCore
import NIOHTTP1

/// The header fields of an HTTP/1 message head, kept as offsets into the head's own bytes: nothing
/// is copied or turned into a `String` unless asked for.
public struct HTTP1Fields: Sendable {
    public struct Field: Sendable {
        public var nameStart: Int32
        public var nameEnd: Int32
        public var valueStart: Int32
        public var valueEnd: Int32
    }

    /// The head's bytes, from its first byte to the empty line that ends it.
    public let bytes: ByteBuffer
    public private(set) var fields: [Field]

    init(bytes: ByteBuffer, fields: [Field]) {
        self.bytes = bytes
        self.fields = fields
    }

    public var count: Int { fields.count }

    /// Runs `body` with a field's name and value bytes.
    @inlinable
    public func withField<T>(_ index: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let field = fields[index]
        return try bytes.withUnsafeReadableBytes { all in
            try body(
                UnsafeRawBufferPointer(rebasing: all[Int(field.nameStart)..<Int(field.nameEnd)]),
                UnsafeRawBufferPointer(rebasing: all[Int(field.valueStart)..<Int(field.valueEnd)]))
        }
    }

    public func name(_ index: Int) -> String {
        withField(index) { name, _ in String(decoding: name, as: UTF8.self) }
    }

    public func value(_ index: Int) -> String {
        withField(index) { _, value in String(decoding: value, as: UTF8.self) }
    }

    /// Whether field `index` is named `lowercase` (ASCII case-insensitive).
    public func isNamed(_ index: Int, _ lowercase: StaticString) -> Bool {
        withField(index) { name, _ in HTTP1Bytes.equalsLowercase(name, lowercase) }
    }

    /// The value of the first field named `lowercase`.
    public func first(_ lowercase: StaticString) -> String? {
        for index in fields.indices where isNamed(index, lowercase) { return value(index) }
        return nil
    }

    /// The first field whose name equals `name`, ignoring case.
    public func first(name: String) -> String? {
        for index in fields.indices where withField(index, { candidate, _ in HTTP1Bytes.equalsIgnoringCase(candidate, name) }) {
            return value(index)
        }
        return nil
    }

    /// All fields as typed headers, for the paths that need them (HTTP/2, templates).
    public var httpHeaders: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count)
        for index in fields.indices { headers.add(name: name(index), value: value(index)) }
        return headers
    }
}

/// A parsed HTTP/1 request head, with what a proxy needs already extracted.
public struct HTTP1RequestHead: Sendable {
    public var method: HTTPMethod
    public var uri: String
    public var version: HTTPVersion
    public var fields: HTTP1Fields
    /// The declared body length; nil with chunked or no body.
    public var contentLength: Int?
    public var isChunked: Bool
    public var keepAlive: Bool
    public var expectsContinue: Bool
    /// Bytes of the head (request line and fields), for AWS's header-size limit.
    public var headLength: Int

    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }
}

/// A parsed HTTP/1 response head from an upstream.
public struct HTTP1ResponseHead: Sendable {
    public var status: Int
    public var version: HTTPVersion
    public var fields: HTTP1Fields
    public var contentLength: Int?
    public var isChunked: Bool
    public var keepAlive: Bool
}

/// Byte-level helpers shared by the parsers and writers.
public enum HTTP1Bytes {
    @inlinable
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    public static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where lower(bytes[index]) != expected[index] { return false }
        return true
    }

    public static func hasPrefixLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count >= lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<lowercase.utf8CodeUnitCount where lower(bytes[index]) != expected[index] { return false }
        return true
    }

    public static func equalsIgnoringCase(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where lower(a[index]) != lower(b[index]) { return false }
        return true
    }

    public static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { equalsIgnoringCase(bytes, UnsafeRawBufferPointer($0)) }
    }

    /// Fields that apply to one hop only (RFC 9110 §7.6.1) and the framing fields a proxy writes
    /// anew, in either direction: never passed on as received.
    public static func isHopByHopOrFraming(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 2: return equalsLowercase(name, "te")
        case 7: return equalsLowercase(name, "trailer") || equalsLowercase(name, "upgrade")
        case 10: return equalsLowercase(name, "connection") || equalsLowercase(name, "keep-alive")
        case 14: return equalsLowercase(name, "content-length")
        case 16: return equalsLowercase(name, "proxy-connection")
        case 17: return equalsLowercase(name, "transfer-encoding")
        case 18: return equalsLowercase(name, "proxy-authenticate")
        case 19: return equalsLowercase(name, "proxy-authorization")
        default: return false
        }
    }

    /// RFC 9110 `tchar`. A switch, not a lookup table: a `static let` table costs a `swift_once`
    /// check on every byte.
    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Field-value bytes: visible ASCII, obs-text, space and tab; no other control characters.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }
}
