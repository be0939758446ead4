import NIOCore
import NIOHTTP1

/// What the pipeline reads of a request head. HTTP/1 connections hand over the byte-level
/// `HTTP1RequestHead` (nothing turned into `String`s unless a route asks); HTTP/2 streams hand over
/// NIO's typed `HTTPRequestHead`.
public protocol RequestHead {
    var method: HTTPMethod { get }
    var uri: String { get }
    /// The first value of the field `lowercase`.
    func field(_ lowercase: StaticString) -> String?
    /// The first value of the field `name`, any case (for parameter mappings).
    func field(named name: String) -> String?
    /// Bytes of the request line and fields, against AWS's 10,240-byte limit.
    var headLength: Int { get }
    var hasBody: Bool { get }
    /// Declared body length, if any.
    var declaredLength: Int? { get }
    /// Calls `body` with each field's name and value bytes.
    func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void)
}

extension HTTP1RequestHead: RequestHead {
    public func field(_ lowercase: StaticString) -> String? { fields.first(lowercase) }
    public func field(named name: String) -> String? { fields.first(name: name) }
    public var declaredLength: Int? { contentLength }

    public func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        fields.bytes.withUnsafeReadableBytes { raw in
            for field in fields.fields {
                body(
                    UnsafeRawBufferPointer(rebasing: raw[Int(field.nameStart)..<Int(field.nameEnd)]),
                    UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)]))
            }
        }
    }
}

extension HTTPRequestHead: RequestHead {
    public func field(_ lowercase: StaticString) -> String? { headers.first(name: lowercase.description) }
    public func field(named name: String) -> String? { headers.first(name: name) }

    public var headLength: Int {
        var total = uri.utf8.count
        for (name, value) in headers { total += name.utf8.count + value.utf8.count + 4 }
        return total
    }

    public var declaredLength: Int? { headers.first(name: "content-length").flatMap(Int.init) }

    public var hasBody: Bool {
        if let length = headers.first(name: "content-length") { return length != "0" }
        return headers.contains(name: "transfer-encoding")
    }

    public func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        for (name, value) in headers {
            var name = name
            var value = value
            name.withUTF8 { nameBytes in
                value.withUTF8 { valueBytes in body(UnsafeRawBufferPointer(nameBytes), UnsafeRawBufferPointer(valueBytes)) }
            }
        }
    }
}
