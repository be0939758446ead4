import NIOCore
import PorticoModel

/// The event a proxy integration sends a function, exactly as API Gateway builds it: REST payload
/// 1.0, HTTP API payload 2.0 (and 1.0). Everything but the body is read from the request head
/// when the request is routed; the body joins when it has arrived.
public struct FunctionEvent: Sendable {
    let version: String
    /// Every field except `body` and `isBase64Encoded`, ready to serialize.
    var fields: [String: JSONValue]
    let binaryMediaTypes: [String]
    let contentType: String?
    /// Payload 2.0 sends anything that is not text base64-encoded.
    let textOnly: Bool

    public struct Context: Sendable {
        public var accountID = "123456789012"
        public var apiID: String
        public var stage: String
        public var requestID: String
        public var extendedRequestID: String
        public var sourceIP: String
        public var protocolName: String
        public var epochMillis: Int64
        public var domainName: String
        /// The API key the request was metered under (value and id), when the method requires one.
        public var apiKey: String?
        public var apiKeyID: String?
        /// The mutual-TLS client certificate.
        public var clientCertificate: ClientCertificate?

        public init(apiID: String, stage: String, requestID: String, extendedRequestID: String, sourceIP: String, protocolName: String, epochMillis: Int64, domainName: String) {
            self.apiID = apiID
            self.stage = stage
            self.requestID = requestID
            self.extendedRequestID = extendedRequestID
            self.sourceIP = sourceIP
            self.protocolName = protocolName
            self.epochMillis = epochMillis
            self.domainName = domainName
        }
    }

    /// Builds the event's fields from the request head.
    public static func make<Head: RequestHead>(
        head: Head, plan: FunctionPlan, match: RouteMatch, apiType: APIType, apiPath: Substring, query: Substring,
        stageVariables: [String: String], context: Context, authorizer: AuthorizerResult?
    ) -> FunctionEvent {
        var headers: [(name: String, value: String)] = []
        head.forEachField { name, value in
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        let queryPairs = query.split(separator: "&", omittingEmptySubsequences: true).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.decode(parts[0], plusAsSpace: true) ?? String(parts[0])
            let value = parts.count == 2 ? (PercentEncoding.decode(parts[1], plusAsSpace: true) ?? String(parts[1])) : ""
            return (name, value)
        }
        var pathParameters: [String: JSONValue] = [:]
        for (name, value) in match.pathParameters {
            pathParameters[name] = .string(PercentEncoding.decode(value) ?? String(value))
        }
        let method = head.method.rawValue
        let time = CivilTime(epochSeconds: context.epochMillis / 1000).commonLogFormat
        let domainPrefix = String(context.domainName.split(separator: ".").first ?? Substring(context.domainName))
        let stageVariablesJSON: JSONValue = stageVariables.isEmpty ? .null : .object(stageVariables.mapValues { .string($0) })
        let contentType = headers.last { $0.name.lowercased() == "content-type" }?.value
        let route = match.route
        let stagePath = context.stage == "$default" ? String(apiPath) : "/\(context.stage)\(apiPath)"

        if plan.payloadVersion == "2.0" {
            var cookies: [JSONValue] = []
            var joined: [String: String] = [:]
            for (name, value) in headers {
                let key = name.lowercased()
                if key == "cookie" {
                    cookies += value.split(separator: ";").map { .string($0.trimmingSpaces()) }.filter { $0 != .string("") }
                    continue
                }
                joined[key] = joined[key].map { "\($0),\(value)" } ?? value
            }
            var queryJoined: [String: String] = [:]
            for (name, value) in queryPairs { queryJoined[name] = queryJoined[name].map { "\($0),\(value)" } ?? value }
            var fields: [String: JSONValue] = [
                "version": "2.0", "routeKey": .string(route.routeKey), "rawPath": .string(stagePath),
                "rawQueryString": .string(String(query)), "headers": .object(joined.mapValues { .string($0) }),
                "requestContext": [
                    "accountId": .string(context.accountID), "apiId": .string(context.apiID),
                    "domainName": .string(context.domainName), "domainPrefix": .string(domainPrefix),
                    "http": [
                        "method": .string(method), "path": .string(stagePath), "protocol": .string(context.protocolName),
                        "sourceIp": .string(context.sourceIP), "userAgent": .string(joined["user-agent"] ?? ""),
                    ],
                    "requestId": .string(context.extendedRequestID), "routeKey": .string(route.routeKey),
                    "stage": .string(context.stage), "time": .string(time), "timeEpoch": .number(Double(context.epochMillis)),
                ],
            ]
            if let authorizer {
                // Payload 2.0 names the kind: `jwt` (claims, scopes), `iam` or `lambda` (its context).
                var requestContext = fields["requestContext"]!.objectValue!
                if let claims = authorizer.claims {
                    requestContext["authorizer"] = ["jwt": ["claims": .object(Claims.strings(claims)), "scopes": authorizer.scopes.map { .array($0.map { .string($0) }) } ?? .null]]
                } else if let iam = authorizer.iam {
                    requestContext["authorizer"] = ["iam": [
                        "accessKey": .string(iam.accessKey), "accountId": .string(iam.accountID), "callerId": .string(iam.caller),
                        "cognitoIdentity": .null, "principalOrgId": .null, "userArn": .string(iam.userARN), "userId": .string(iam.caller),
                    ]]
                } else {
                    requestContext["authorizer"] = ["lambda": .object(authorizer.context)]
                }
                fields["requestContext"] = .object(requestContext)
            }
            if let certificate = context.clientCertificate {
                var requestContext = fields["requestContext"]!.objectValue!
                requestContext["authentication"] = ["clientCert": certificate.json]
                fields["requestContext"] = .object(requestContext)
            }
            if !cookies.isEmpty { fields["cookies"] = .array(cookies) }
            if !queryJoined.isEmpty { fields["queryStringParameters"] = .object(queryJoined.mapValues { .string($0) }) }
            if !pathParameters.isEmpty { fields["pathParameters"] = .object(pathParameters) }
            if stageVariablesJSON != .null { fields["stageVariables"] = stageVariablesJSON }
            return FunctionEvent(version: "2.0", fields: fields, binaryMediaTypes: plan.binaryMediaTypes, contentType: contentType, textOnly: true)
        }

        // Payload 1.0: `headers` keeps the last value of a repeated field, `multiValueHeaders` all.
        var single: [String: JSONValue] = [:]
        var multi: [String: [JSONValue]] = [:]
        for (name, value) in headers {
            single[name] = .string(value)
            multi[name, default: []].append(.string(value))
        }
        var singleQuery: [String: JSONValue] = [:]
        var multiQuery: [String: [JSONValue]] = [:]
        for (name, value) in queryPairs {
            singleQuery[name] = .string(value)
            multiQuery[name, default: []].append(.string(value))
        }
        let userAgent = headers.last { $0.name.lowercased() == "user-agent" }?.value
        var identity: [String: JSONValue] = [
            "sourceIp": .string(context.sourceIP), "userAgent": userAgent.map { .string($0) } ?? .null,
        ]
        for name in ["accessKey", "accountId", "apiKey", "apiKeyId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "user", "userArn"] {
            identity[name] = .null
        }
        if let key = context.apiKey { identity["apiKey"] = .string(key) }
        if let certificate = context.clientCertificate { identity["clientCert"] = certificate.json }
        if let iam = authorizer?.iam {
            identity["accessKey"] = .string(iam.accessKey)
            identity["accountId"] = .string(iam.accountID)
            identity["caller"] = .string(iam.caller)
            identity["user"] = .string(iam.caller)
            identity["userArn"] = .string(iam.userARN)
        }
        if let id = context.apiKeyID { identity["apiKeyId"] = .string(id) }
        let resourcePath = route.resourcePath.isEmpty ? "$default" : route.resourcePath
        var requestContext: [String: JSONValue] = [
            "accountId": .string(context.accountID), "apiId": .string(context.apiID), "stage": .string(context.stage),
            "protocol": .string(context.protocolName), "identity": .object(identity), "requestId": .string(context.requestID),
            "requestTime": .string(time), "requestTimeEpoch": .number(Double(context.epochMillis)),
            "resourcePath": .string(resourcePath), "httpMethod": .string(method), "path": .string(stagePath),
            "domainName": .string(context.domainName), "domainPrefix": .string(domainPrefix),
            "extendedRequestId": .string(context.extendedRequestID),
        ]
        if apiType == .rest {
            requestContext["resourceId"] = .string(route.resourceID)
        } else {
            requestContext["routeKey"] = .string(route.routeKey)
        }
        if let claims = authorizer?.claims {
            // A Cognito (REST) or JWT (HTTP API, payload 1.0) authorizer: the claims as strings.
            var fields: [String: JSONValue] = ["claims": .object(Claims.strings(claims))]
            if let scopes = authorizer?.scopes { fields["scopes"] = .array(scopes.map { .string($0) }) }
            requestContext["authorizer"] = .object(fields)
        } else if let authorizer, authorizer.iam == nil {
            // `principalId` and the context's values, as a REST authorizer passes them on.
            var fields = authorizer.context
            if let principal = authorizer.principalID { fields["principalId"] = .string(principal) }
            fields["integrationLatency"] = 0
            requestContext["authorizer"] = .object(fields)
        }
        var fields: [String: JSONValue] = [
            "version": "1.0", "resource": .string(apiType == .rest ? route.resourcePath : (route.resourcePath.isEmpty ? "$default" : route.resourcePath)),
            "path": .string(apiType == .rest ? String(apiPath) : stagePath), "httpMethod": .string(method),
            "headers": .object(single), "multiValueHeaders": .object(multi.mapValues { .array($0) }),
            "queryStringParameters": singleQuery.isEmpty ? .null : .object(singleQuery),
            "multiValueQueryStringParameters": multiQuery.isEmpty ? .null : .object(multiQuery.mapValues { .array($0) }),
            "pathParameters": pathParameters.isEmpty ? .null : .object(pathParameters),
            "stageVariables": stageVariablesJSON, "requestContext": .object(requestContext),
        ]
        if apiType == .rest { fields["version"] = nil }
        return FunctionEvent(version: "1.0", fields: fields, binaryMediaTypes: plan.binaryMediaTypes, contentType: contentType, textOnly: false)
    }

    /// The event's JSON with `body` (null when empty) and `isBase64Encoded`.
    public func json(body: ByteBuffer) -> [UInt8] {
        var fields = self.fields
        let bytes = Array(body.readableBytesView)
        let binary = Self.isBinary(bytes, contentType: contentType, binaryMediaTypes: binaryMediaTypes, textOnly: textOnly)
        if bytes.isEmpty {
            fields["body"] = version == "2.0" ? nil : .null
        } else if binary {
            fields["body"] = .string(Base64.encode(bytes))
        } else {
            fields["body"] = .string(String(decoding: bytes, as: UTF8.self))
        }
        fields["isBase64Encoded"] = .bool(binary && !bytes.isEmpty)
        return Array(JSONValue.object(fields).serialized.utf8)
    }

    /// REST APIs encode what the API lists as binary; HTTP APIs everything that is not text.
    static func isBinary(_ bytes: [UInt8], contentType: String?, binaryMediaTypes: [String], textOnly: Bool) -> Bool {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        if textOnly {
            let text = type.hasPrefix("text/") || type.hasSuffix("json") || type.hasSuffix("xml") || type.contains("javascript")
                || type == "application/x-www-form-urlencoded" || type.isEmpty
            return !text || String(validating: bytes, as: UTF8.self) == nil
        }
        return BinaryMediaTypes(binaryMediaTypes).matches(type)
    }
}

/// Base64 without Foundation (events and responses both need it).
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let value = UInt32(bytes[index]) << 16
            out += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil when `text` is not base64 (whitespace is skipped, padding optional).
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "/"), UInt8(ascii: "_"): values.append(63)
            case UInt8(ascii: "="), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var value: UInt32 = 0
            for (offset, sextet) in chunk.enumerated() { value |= UInt32(sextet) << (18 - 6 * offset) }
            out.append(UInt8(value >> 16 & 0xFF))
            if chunk.count > 2 { out.append(UInt8(value >> 8 & 0xFF)) }
            if chunk.count > 3 { out.append(UInt8(value & 0xFF)) }
            index += 4
        }
        return out
    }
}

/// Token claims as API Gateway passes them on: every value a string (lists as `[a b]`).
enum Claims {
    static func strings(_ claims: [String: JSONValue]) -> [String: JSONValue] {
        claims.mapValues { .string(text($0)) }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return ""
        case .array(let items): return "[" + items.map(text).joined(separator: " ") + "]"
        case .object: return value.serialized
        }
    }
}
