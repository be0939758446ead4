#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1

/// Why a message head was refused. Every case answers 400 (431 for `headTooLarge`) and closes.
public enum HTTP1ParseError: Error, Equatable, Sendable {
    case malformed(String)
    case headTooLarge
}

/// A strict HTTP/1.1 head parser for the proxy path: it parses only what routing and framing need,
/// keeps offsets into the received bytes, and refuses every request-smuggling shape (Content-Length
/// with Transfer-Encoding, repeated or malformed lengths, a transfer coding other than `chunked`,
/// obs-folded lines, whitespace before the colon, bare CR or LF, control characters, a missing or
/// repeated Host on HTTP/1.1). The size limit is enforced while bytes arrive, before a head is whole.
public enum HTTP1Parser {
    /// A complete request head at the start of `buffer` and its length, or nil if more bytes are
    /// needed. Up to two empty lines before the request line are skipped (RFC 9112 §2.2).
    public static func parseRequestHead(_ buffer: ByteBuffer, limit: Int) throws(HTTP1ParseError) -> (head: HTTP1RequestHead, consumed: Int)? {
        var storage: [HTTP1Fields.Field] = []
        return try parseRequestHead(buffer, limit: limit, reusing: &storage)
    }

    /// As above, filling `storage` with the field offsets: a connection that passes the same array
    /// each time reuses its memory once the previous head is gone.
    public static func parseRequestHead(
        _ buffer: ByteBuffer, limit: Int, reusing storage: inout [HTTP1Fields.Field]
    ) throws(HTTP1ParseError) -> (head: HTTP1RequestHead, consumed: Int)? {
        var skipped = 0
        while skipped < 4, let byte = buffer.getInteger(at: buffer.readerIndex + skipped, as: UInt8.self),
              byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
        {
            skipped += 1
        }
        guard let end = try findEnd(buffer, from: skipped, limit: limit) else { return nil }
        let slice = buffer.getSlice(at: buffer.readerIndex + skipped, length: end - skipped)!
        let head = try slice.withUnsafeReadableBytes { raw throws(HTTP1ParseError) in
            try parseRequest(raw, bytes: slice, storage: &storage)
        }
        return (head, end)
    }

    /// A complete response head at the start of `buffer` and its length, or nil if more bytes are needed.
    public static func parseResponseHead(_ buffer: ByteBuffer, limit: Int) throws(HTTP1ParseError) -> (head: HTTP1ResponseHead, consumed: Int)? {
        var storage: [HTTP1Fields.Field] = []
        return try parseResponseHead(buffer, limit: limit, reusing: &storage)
    }

    /// As above, reusing `storage` for the field offsets.
    public static func parseResponseHead(
        _ buffer: ByteBuffer, limit: Int, reusing storage: inout [HTTP1Fields.Field]
    ) throws(HTTP1ParseError) -> (head: HTTP1ResponseHead, consumed: Int)? {
        guard let end = try findEnd(buffer, from: 0, limit: limit) else { return nil }
        let slice = buffer.getSlice(at: buffer.readerIndex, length: end)!
        let head = try slice.withUnsafeReadableBytes { raw throws(HTTP1ParseError) in
            try parseResponse(raw, bytes: slice, storage: &storage)
        }
        return (head, end)
    }

    /// The offset just past the CRLF CRLF that ends the head, or nil; throws past `limit` bytes.
    /// Jumps from one LF to the next (`memchr`, vectorised) instead of testing every byte.
    static func findEnd(_ buffer: ByteBuffer, from start: Int, limit: Int) throws(HTTP1ParseError) -> Int? {
        let found: Int? = buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            var index = start + 3
            while index < raw.count {
                guard let hit = memchr(base + index, Int32(UInt8(ascii: "\n")), raw.count - index) else { return nil }
                index = base.distance(to: UnsafeRawPointer(hit))
                if raw[index - 1] == UInt8(ascii: "\r") && raw[index - 2] == UInt8(ascii: "\n") && raw[index - 3] == UInt8(ascii: "\r") {
                    return index + 1
                }
                index += 1
            }
            return nil
        }
        if let found {
            if found - start > limit { throw .headTooLarge }
            return found
        }
        if buffer.readableBytes - start > limit { throw .headTooLarge }
        return nil
    }

    // MARK: Lines

    /// The end of the line starting at `start` (index of its CR); the line must end in CRLF and
    /// contain no other CR or LF. Found with `memchr` (vectorised), then checked for a bare LF.
    static func lineEnd(_ raw: UnsafeRawBufferPointer, from start: Int) throws(HTTP1ParseError) -> Int {
        guard start < raw.count, let base = raw.baseAddress else { throw .malformed("unterminated line") }
        guard let hit = memchr(base + start, Int32(UInt8(ascii: "\r")), raw.count - start) else {
            if memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start) != nil { throw .malformed("bare LF") }
            throw .malformed("unterminated line")
        }
        let index = base.distance(to: UnsafeRawPointer(hit))
        if index > start && memchr(base + start, Int32(UInt8(ascii: "\n")), index - start) != nil { throw .malformed("bare LF") }
        guard index + 1 < raw.count, raw[index + 1] == UInt8(ascii: "\n") else { throw .malformed("bare CR") }
        return index
    }

    /// Parses the field lines from `start` to the empty line; returns them and their offsets.
    static func parseFields(
        _ raw: UnsafeRawBufferPointer, from start: Int, into fields: inout [HTTP1Fields.Field]
    ) throws(HTTP1ParseError) {
        fields.removeAll(keepingCapacity: true)
        if fields.capacity < 16 { fields.reserveCapacity(16) }
        var position = start
        while true {
            let end = try lineEnd(raw, from: position)
            if end == position { return }  // the empty line
            let first = raw[position]
            if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { throw .malformed("obs-fold") }
            var colon = position
            while colon < end && HTTP1Bytes.isToken(raw[colon]) { colon += 1 }
            guard colon < end, raw[colon] == UInt8(ascii: ":"), colon > position else {
                throw .malformed("bad field name")
            }
            var valueStart = colon + 1
            while valueStart < end && (raw[valueStart] == UInt8(ascii: " ") || raw[valueStart] == UInt8(ascii: "\t")) { valueStart += 1 }
            var valueEnd = end
            while valueEnd > valueStart && (raw[valueEnd - 1] == UInt8(ascii: " ") || raw[valueEnd - 1] == UInt8(ascii: "\t")) { valueEnd -= 1 }
            for index in valueStart..<valueEnd where !HTTP1Bytes.isFieldValueByte(raw[index]) {
                throw .malformed("control character in a field value")
            }
            fields.append(HTTP1Fields.Field(
                nameStart: Int32(position), nameEnd: Int32(colon), valueStart: Int32(valueStart), valueEnd: Int32(valueEnd)))
            position = end + 2
        }
    }

    static func parseVersion(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(HTTP1ParseError) -> HTTPVersion {
        guard end - start == 8 else { throw .malformed("bad HTTP version") }
        let prefix: StaticString = "HTTP/1."
        for index in 0..<7 where raw[start + index] != prefix.utf8Start[index] { throw .malformed("bad HTTP version") }
        switch raw[start + 7] {
        case UInt8(ascii: "1"): return .http1_1
        case UInt8(ascii: "0"): return .http1_0
        default: throw .malformed("unsupported HTTP version")
        }
    }

    // MARK: Requests

    static func parseRequest(
        _ raw: UnsafeRawBufferPointer, bytes: ByteBuffer, storage: inout [HTTP1Fields.Field]
    ) throws(HTTP1ParseError) -> HTTP1RequestHead {
        let lineEnd = try lineEnd(raw, from: 0)
        var methodEnd = 0
        while methodEnd < lineEnd && HTTP1Bytes.isToken(raw[methodEnd]) { methodEnd += 1 }
        guard methodEnd > 0, methodEnd < lineEnd, raw[methodEnd] == UInt8(ascii: " ") else { throw .malformed("bad method") }
        let targetStart = methodEnd + 1
        var targetEnd = targetStart
        while targetEnd < lineEnd && raw[targetEnd] > 0x20 && raw[targetEnd] < 0x7F { targetEnd += 1 }
        guard targetEnd > targetStart, targetEnd < lineEnd, raw[targetEnd] == UInt8(ascii: " ") else {
            throw .malformed("bad request target")
        }
        let version = try parseVersion(raw, targetEnd + 1, lineEnd)
        try parseFields(raw, from: lineEnd + 2, into: &storage)
        let fieldOffsets = storage
        let fields = HTTP1Fields(bytes: bytes, fields: fieldOffsets)

        var contentLength: Int?
        var chunked = false
        var hosts = 0
        var close = version == .http1_0
        var expectsContinue = false
        for field in fieldOffsets {
            let name = UnsafeRawBufferPointer(rebasing: raw[Int(field.nameStart)..<Int(field.nameEnd)])
            let value = UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
            switch name.count {
            case 4 where HTTP1Bytes.equalsLowercase(name, "host"):
                hosts += 1
            case 14 where HTTP1Bytes.equalsLowercase(name, "content-length"):
                guard contentLength == nil else { throw .malformed("repeated Content-Length") }
                contentLength = try parseLength(value)
            case 17 where HTTP1Bytes.equalsLowercase(name, "transfer-encoding"):
                guard !chunked else { throw .malformed("repeated Transfer-Encoding") }
                guard HTTP1Bytes.equalsLowercase(value, "chunked") else { throw .malformed("unsupported transfer coding") }
                chunked = true
            case 10 where HTTP1Bytes.equalsLowercase(name, "connection"):
                connectionOptions(value, close: &close)
            case 6 where HTTP1Bytes.equalsLowercase(name, "expect"):
                expectsContinue = HTTP1Bytes.equalsLowercase(value, "100-continue")
            default:
                break
            }
        }
        if chunked && contentLength != nil { throw .malformed("Content-Length with Transfer-Encoding") }
        if chunked && version == .http1_0 { throw .malformed("Transfer-Encoding on HTTP/1.0") }
        if version == .http1_1 && hosts != 1 { throw .malformed(hosts == 0 ? "missing Host" : "repeated Host") }
        let method = Self.method(raw, methodEnd)
        let uri = String(decoding: UnsafeRawBufferPointer(rebasing: raw[targetStart..<targetEnd]), as: UTF8.self)
        return HTTP1RequestHead(
            method: method, uri: uri, version: version, fields: fields, contentLength: contentLength, isChunked: chunked,
            keepAlive: !close, expectsContinue: expectsContinue, headLength: raw.count)
    }

    /// `close` / `keep-alive` options of a Connection field.
    static func connectionOptions(_ value: UnsafeRawBufferPointer, close: inout Bool) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count && value[end] != UInt8(ascii: ",") { end += 1 }
            var tokenStart = start
            var tokenEnd = end
            while tokenStart < tokenEnd && (value[tokenStart] == 0x20 || value[tokenStart] == 0x09) { tokenStart += 1 }
            while tokenEnd > tokenStart && (value[tokenEnd - 1] == 0x20 || value[tokenEnd - 1] == 0x09) { tokenEnd -= 1 }
            let token = UnsafeRawBufferPointer(rebasing: value[tokenStart..<tokenEnd])
            if HTTP1Bytes.equalsLowercase(token, "close") { close = true }
            if HTTP1Bytes.equalsLowercase(token, "keep-alive") { close = false }
            start = end + 1
        }
    }

    /// A Content-Length value: 1 to 18 digits, nothing else (no sign, list or whitespace inside).
    static func parseLength(_ value: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> Int {
        guard !value.isEmpty, value.count <= 18 else { throw .malformed("bad Content-Length") }
        var result = 0
        for byte in value {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { throw .malformed("bad Content-Length") }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return result
    }

    static func method(_ raw: UnsafeRawBufferPointer, _ length: Int) -> HTTPMethod {
        let token = UnsafeRawBufferPointer(rebasing: raw[0..<length])
        func equals(_ name: StaticString) -> Bool {
            guard token.count == name.utf8CodeUnitCount else { return false }
            for index in 0..<token.count where token[index] != name.utf8Start[index] { return false }
            return true
        }
        switch length {
        case 3: if equals("GET") { return .GET } else if equals("PUT") { return .PUT }
        case 4: if equals("POST") { return .POST } else if equals("HEAD") { return .HEAD }
        case 5: if equals("PATCH") { return .PATCH }
        case 6: if equals("DELETE") { return .DELETE }
        case 7: if equals("OPTIONS") { return .OPTIONS } else if equals("CONNECT") { return .CONNECT }
        default: break
        }
        return HTTPMethod(rawValue: String(decoding: token, as: UTF8.self))
    }

    // MARK: Responses

    static func parseResponse(
        _ raw: UnsafeRawBufferPointer, bytes: ByteBuffer, storage: inout [HTTP1Fields.Field]
    ) throws(HTTP1ParseError) -> HTTP1ResponseHead {
        let lineEnd = try lineEnd(raw, from: 0)
        guard lineEnd >= 12 else { throw .malformed("bad status line") }
        let version = try parseVersion(raw, 0, 8)
        guard raw[8] == UInt8(ascii: " ") else { throw .malformed("bad status line") }
        var status = 0
        for index in 9..<12 {
            let byte = raw[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { throw .malformed("bad status code") }
            status = status * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard status >= 100, lineEnd == 12 || raw[12] == UInt8(ascii: " ") else { throw .malformed("bad status line") }
        try parseFields(raw, from: lineEnd + 2, into: &storage)
        let fieldOffsets = storage
        let fields = HTTP1Fields(bytes: bytes, fields: fieldOffsets)
        var contentLength: Int?
        var chunked = false
        var close = version == .http1_0
        for field in fieldOffsets {
            let name = UnsafeRawBufferPointer(rebasing: raw[Int(field.nameStart)..<Int(field.nameEnd)])
            let value = UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
            switch name.count {
            case 14 where HTTP1Bytes.equalsLowercase(name, "content-length"):
                let length = try parseLength(value)
                if let contentLength, contentLength != length { throw .malformed("conflicting Content-Length") }
                contentLength = length
            case 17 where HTTP1Bytes.equalsLowercase(name, "transfer-encoding"):
                guard HTTP1Bytes.equalsLowercase(value, "chunked"), !chunked else { throw .malformed("unsupported transfer coding") }
                chunked = true
            case 10 where HTTP1Bytes.equalsLowercase(name, "connection"):
                connectionOptions(value, close: &close)
            default:
                break
            }
        }
        if chunked && contentLength != nil { throw .malformed("Content-Length with Transfer-Encoding") }
        return HTTP1ResponseHead(
            status: status, version: version, fields: fields, contentLength: contentLength, isChunked: chunked, keepAlive: !close)
    }
}
