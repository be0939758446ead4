import PorticoModel

/// `contentHandling` on an integration request or response.
public enum ContentHandling: String, Sendable {
    case convertToText = "CONVERT_TO_TEXT"
    case convertToBinary = "CONVERT_TO_BINARY"
}

/// An API's `binaryMediaTypes` and AWS's conversion tables for non-proxy integrations (developer
/// guide, "Content type conversions in API Gateway"). A request is binary when its Content-Type
/// matches; a client wants binary when the first type of its Accept matches.
public struct BinaryMediaTypes: Sendable {
    let patterns: [String]

    public init(_ patterns: [String]) {
        self.patterns = patterns.map { $0.lowercased() }
    }

    public var isEmpty: Bool { patterns.isEmpty }

    /// `type/subtype` against the list: exact, `type/*`, or `*/*`; parameters ignored.
    public func matches(_ mediaType: String?) -> Bool {
        guard !patterns.isEmpty, let mediaType else { return false }
        let type = (mediaType.split(separator: ";", omittingEmptySubsequences: false).first ?? "").trimmingSpaces().lowercased()
        guard !type.isEmpty else { return false }
        return patterns.contains { pattern in
            if pattern == "*/*" { return true }
            if pattern.hasSuffix("/*") { return type.hasPrefix(String(pattern.dropLast())) }
            return pattern == type
        }
    }

    /// Only the first media type of Accept counts, as on AWS.
    public func acceptsBinary(_ accept: String?) -> Bool {
        guard let accept, let first = accept.split(separator: ",").first else { return false }
        return matches(String(first))
    }

    /// What a non-proxy integration receives: nil when `CONVERT_TO_BINARY` meets text that is not
    /// base64 (AWS answers 500, a configuration error).
    public func convertRequest(_ body: [UInt8], contentType: String?, handling: ContentHandling?) -> [UInt8]? {
        guard let handling else { return body }
        let binary = matches(contentType)
        switch handling {
        case .convertToText: return binary ? Array(Base64.encode(body).utf8) : body
        case .convertToBinary: return binary ? body : Self.decode(body)
        }
    }

    /// Whether the request body must be collected and converted before it goes upstream.
    public func convertsRequest(contentType: String?, handling: ContentHandling?) -> Bool {
        guard let handling else { return false }
        return (handling == .convertToText) == matches(contentType)
    }

    /// What the client receives of a non-proxy integration's response body; nil when a
    /// conversion to binary meets text that is not base64.
    public func convertResponse(_ body: [UInt8], contentType: String?, accept: String?, handling: ContentHandling?) -> [UInt8]? {
        let binary = matches(contentType)
        switch handling {
        case .convertToText?: return binary ? Array(Base64.encode(body).utf8) : body
        case .convertToBinary?: return binary ? body : Self.decode(body)
        case nil:
            let wantsBinary = acceptsBinary(accept)
            if binary == wantsBinary { return body }
            return binary ? Array(Base64.encode(body).utf8) : Self.decode(body)
        }
    }

    /// Whether a response may change on its way to the client (then it is buffered).
    public func convertsResponses(handling: ContentHandling?) -> Bool {
        handling != nil || !patterns.isEmpty
    }

    static func decode(_ body: [UInt8]) -> [UInt8]? {
        Base64.decode(String(decoding: body, as: UTF8.self).filter { !$0.isWhitespace })
    }
}
