import NIOHTTP1

/// The right-hand side of a parameter mapping (`method.request.header.x`, `'static'`, …), parsed at
/// compile time. Stage variables are substituted when a stage is compiled, so they arrive as literals.
public enum ValueSource: Sendable, Hashable {
    case literal(String)
    case pathParameter(String)
    case queryParameter(String)
    case header(String)
    case requestID
    case sourceIP
    case stage
    case httpMethod
    /// `method.request.body` (`$`) or `method.request.body.a.b` (`$.a.b`): read once the body is in.
    case body(String)
    /// Another `context.*` variable a request knows at its head.
    case context(String)

    /// Parses a mapping expression; nil when the expression is not one Portico understands.
    public static func parse(_ expression: String, stageVariables: [String: String]) -> ValueSource? {
        if expression.count >= 2, expression.hasPrefix("'"), expression.hasSuffix("'") {
            return .literal(String(expression.dropFirst().dropLast()))
        }
        let prefixes: [(String, (String) -> ValueSource)] = [
            ("method.request.path.", { .pathParameter($0) }),
            ("method.request.querystring.", { .queryParameter($0) }),
            ("method.request.multivaluequerystring.", { .queryParameter($0) }),
            ("method.request.header.", { .header($0) }),
            ("method.request.multivalueheader.", { .header($0) }),
        ]
        for (prefix, make) in prefixes where expression.hasPrefix(prefix) {
            let name = String(expression.dropFirst(prefix.count))
            return name.isEmpty ? nil : make(name)
        }
        if expression == "method.request.body" { return .body("$") }
        if expression.hasPrefix("method.request.body."), expression.count > 20 {
            return .body("$" + expression.dropFirst("method.request.body".count))
        }
        if expression.hasPrefix("stageVariables.") {
            return .literal(stageVariables[String(expression.dropFirst("stageVariables.".count))] ?? "")
        }
        switch expression {
        case "context.requestId": return .requestID
        case "context.identity.sourceIp": return .sourceIP
        case "context.stage": return .stage
        case "context.httpMethod": return .httpMethod
        case "context.extendedRequestId", "context.identity.userAgent", "context.path", "context.resourcePath":
            return .context(String(expression.dropFirst("context.".count)))
        default: return nil
        }
    }
}

/// Where mapped values are read from for one request.
public struct RequestValues<Head: RequestHead> {
    public let head: Head
    public let match: RouteMatch
    public let query: Substring
    public let requestID: RequestID
    public let sourceIP: String
    public let stage: String
    /// The request's path within the stage (`$request.path` of HTTP API mappings).
    public var path: Substring = ""

    public init(head: Head, match: RouteMatch, query: Substring, requestID: RequestID, sourceIP: String, stage: String) {
        self.head = head
        self.match = match
        self.query = query
        self.requestID = requestID
        self.sourceIP = sourceIP
        self.stage = stage
    }

    public func value(of source: ValueSource) -> String? {
        switch source {
        case .literal(let value): return value
        case .pathParameter(let name): return match.pathParameter(name).map(String.init)
        case .queryParameter(let name): return QueryString.first(name, in: query)
        case .header(let name): return head.field(named: name)
        case .requestID: return requestID.uuid
        case .sourceIP: return sourceIP
        case .stage: return stage
        case .httpMethod: return head.method.rawValue
        case .body: return nil  // mapped once the body is in (`UpstreamRequest.mappingBody`)
        case .context(let name):
            if name == "resourcePath" { return match.route.resourcePath }
            return value(of: HTTPAPIMapping.Value.context(name))
        }
    }

    /// An HTTP API mapping's value for this request.
    public func value(of mapped: HTTPAPIMapping.Value) -> String? {
        switch mapped {
        case .literal(let text): return text
        case .requestHeader(let name): return head.field(named: name)
        case .requestQuery(let name): return QueryString.first(name, in: query)
        case .requestPathParameter(let name): return match.pathParameter(name).map { PercentEncoding.decode($0) ?? String($0) }
        case .requestPath: return String(path)
        case .responseHeader: return nil
        case .context(let name):
            switch name {
            case "requestId": return requestID.uuid
            case "extendedRequestId": return requestID.shortID
            case "identity.sourceIp": return sourceIP
            case "identity.userAgent": return head.field("user-agent")
            case "stage": return stage
            case "httpMethod": return head.method.rawValue
            case "path": return stage == "$default" ? String(path) : "/\(stage)\(path)"
            default: return nil
            }
        }
    }
}

/// Query strings read without Foundation: `a=1&b=2&a=3`.
public enum QueryString {
    /// The first value of `name`, percent-decoded (`+` as space, as API Gateway does).
    public static func first(_ name: String, in query: Substring) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if let key = PercentEncoding.decode(parts[0], plusAsSpace: true), key == name {
                return parts.count > 1 ? PercentEncoding.decode(parts[1], plusAsSpace: true) ?? String(parts[1]) : ""
            }
        }
        return nil
    }
}

public enum PercentEncoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed.
    public static func decode(_ text: Substring, plusAsSpace: Bool = false) -> String? {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether every `%` starts a valid escape.
    public static func isValid(_ text: Substring) -> Bool {
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { continue }
            guard iterator.next().flatMap(hexValue) != nil, iterator.next().flatMap(hexValue) != nil else { return false }
        }
        return true
    }

    /// Encodes everything but RFC 3986's unreserved characters.
    public static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
