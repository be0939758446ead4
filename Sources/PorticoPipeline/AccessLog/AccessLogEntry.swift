import PorticoModel

/// What one request leaves for the access log: the `$context` variables AWS's access logs offer.
public struct AccessLogEntry: Sendable {
    public var requestID: String
    public var extendedRequestID: String
    public var sourceIP: String
    public var requestTimeEpochMillis: Int64
    public var httpMethod: String
    public var path: String
    public var protocolName: String
    public var routed: Pipeline.Routed
    public var status: Int
    public var responseLength: Int
    /// Milliseconds spent waiting for the integration's response head; -1 when none was called.
    public var integrationLatencyMillis: Int
    public var responseLatencyMillis: Int
    public var errorMessage: String
    public var userAgent: String

    public init(
        requestID: String, extendedRequestID: String, sourceIP: String, requestTimeEpochMillis: Int64,
        httpMethod: String, path: String, protocolName: String, routed: Pipeline.Routed, status: Int,
        responseLength: Int, integrationLatencyMillis: Int, responseLatencyMillis: Int, errorMessage: String,
        userAgent: String
    ) {
        self.requestID = requestID
        self.extendedRequestID = extendedRequestID
        self.sourceIP = sourceIP
        self.requestTimeEpochMillis = requestTimeEpochMillis
        self.httpMethod = httpMethod
        self.path = path
        self.protocolName = protocolName
        self.routed = routed
        self.status = status
        self.responseLength = responseLength
        self.integrationLatencyMillis = integrationLatencyMillis
        self.responseLatencyMillis = responseLatencyMillis
        self.errorMessage = errorMessage
        self.userAgent = userAgent
    }

    /// The value of a `$context` variable (name without `$context.`), nil when unknown.
    public func value(of variable: String) -> String? {
        switch variable {
        case "requestId", "awsEndpointRequestId": return requestID
        case "extendedRequestId": return extendedRequestID
        case "identity.sourceIp": return sourceIP
        case "identity.userAgent": return userAgent
        case "requestTime": return CivilTime(epochSeconds: requestTimeEpochMillis / 1000).commonLogFormat
        case "requestTimeEpoch": return String(requestTimeEpochMillis)
        case "httpMethod": return httpMethod
        case "path": return path
        case "protocol": return protocolName
        case "resourcePath": return routed.resourcePath
        case "routeKey": return routed.routeKey
        case "apiId": return routed.apiID
        case "stage": return routed.stage
        case "status": return String(status)
        case "responseLength": return String(responseLength)
        case "integrationLatency", "integration.latency":
            return integrationLatencyMillis < 0 ? "-" : String(integrationLatencyMillis)
        case "responseLatency": return String(responseLatencyMillis)
        case "error.message": return errorMessage.isEmpty ? "-" : errorMessage
        case "domainName": return "-"
        case "isCanaryRequest": return routed.isCanary.map { $0 ? "true" : "false" } ?? "-"
        default: return nil
        }
    }
}

/// An access log format compiled once: `json` or a string with `$context.*` variables.
public struct AccessLogFormat: Sendable {
    enum Piece: Sendable {
        case literal(String)
        case variable(String)
    }

    private let pieces: [Piece]?

    public static let jsonFields = [
        "requestId", "ip", "requestTime", "httpMethod", "path", "routeKey", "resourcePath", "status",
        "protocol", "responseLength", "integrationLatency", "responseLatency", "apiId", "stage",
    ]

    /// The variables a format string names that Portico does not know, for `validate`.
    public let unknownVariables: [String]

    public init(_ format: String) {
        guard format != "json" else {
            pieces = nil
            unknownVariables = []
            return
        }
        var result: [Piece] = []
        var unknown: [String] = []
        var literal = ""
        var rest = format[...]
        while let range = rest.firstRange(of: "$context.") {
            literal += rest[..<range.lowerBound]
            let name = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }
            let trimmed = name.hasSuffix(".") ? name.dropLast() : name
            if !literal.isEmpty { result.append(.literal(literal)); literal = "" }
            result.append(.variable(String(trimmed)))
            let probe = AccessLogEntry.probe.value(of: String(trimmed))
            if probe == nil { unknown.append(String(trimmed)) }
            rest = rest[trimmed.endIndex...]
        }
        literal += rest
        if !literal.isEmpty { result.append(.literal(literal)) }
        pieces = result
        unknownVariables = unknown
    }

    public func format(_ entry: AccessLogEntry) -> String {
        guard let pieces else { return Self.json(entry) }
        var line = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): line += text
            case .variable(let name): line += entry.value(of: name) ?? "-"
            }
        }
        return line
    }

    static func json(_ entry: AccessLogEntry) -> String {
        var line = "{"
        for (index, field) in jsonFields.enumerated() {
            let variable = field == "ip" ? "identity.sourceIp" : field
            let value = entry.value(of: variable) ?? "-"
            line += (index == 0 ? "\"" : ",\"") + field + "\":"
            if field == "status" || field == "responseLength" || field == "responseLatency" || (field == "integrationLatency" && value != "-") {
                line += value
            } else {
                line += "\"" + escape(value) + "\""
            }
        }
        // Only stages with a canary say which deployment served the request.
        if let isCanary = entry.routed.isCanary { line += isCanary ? ",\"isCanaryRequest\":true" : ",\"isCanaryRequest\":false" }
        return line + "}"
    }

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else { return text }
        var result = ""
        JSONValue.writeEscaped(text, to: &result)
        return result
    }
}

extension AccessLogEntry {
    static let probe = AccessLogEntry(
        requestID: "", extendedRequestID: "", sourceIP: "", requestTimeEpochMillis: 0, httpMethod: "", path: "",
        protocolName: "", routed: Pipeline.Routed(apiType: .rest), status: 0, responseLength: 0,
        integrationLatencyMillis: 0, responseLatencyMillis: 0, errorMessage: "", userAgent: "")
}
