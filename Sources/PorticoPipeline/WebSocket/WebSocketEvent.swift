import PorticoModel
import PorticoVelocity

/// The events a WebSocket API sends its function integrations, as AWS builds them: CONNECT (with
/// the upgrade request's headers and query string), MESSAGE (the body) and DISCONNECT (with the
/// close status and reason).
public enum WebSocketEvent {
    public struct Connection: Sendable {
        public var connectionID: String
        public var apiID: String
        public var stage: String
        public var domainName: String
        public var sourceIP: String
        public var userAgent: String?
        public var connectedAtMillis: Int64
        public var clientCertificate: ClientCertificate?
        /// What the `$connect` authorizer answered: its principal and context reach every event.
        public var authorizer: AuthorizerResult?
        /// The API key `$connect` was admitted with (value and id).
        public var apiKey: (value: String, id: String)?

        public init(connectionID: String, apiID: String, stage: String, domainName: String, sourceIP: String, userAgent: String?, connectedAtMillis: Int64) {
            self.connectionID = connectionID
            self.apiID = apiID
            self.stage = stage
            self.domainName = domainName
            self.sourceIP = sourceIP
            self.userAgent = userAgent
            self.connectedAtMillis = connectedAtMillis
        }
    }

    public enum Kind: Sendable {
        case connect(headers: [(name: String, value: String)], query: String)
        case message(body: [UInt8], binary: Bool, messageID: String)
        case disconnect(statusCode: Int, reason: String)
    }

    public static func make(_ kind: Kind, routeKey: String, connection: Connection, requestID: String, nowMillis: Int64) -> [UInt8] {
        Array(JSONValue.object(fields(kind, routeKey: routeKey, connection: connection, requestID: requestID, nowMillis: nowMillis)).serialized.utf8)
    }

    /// The `$connect` authorizer's REQUEST event: the CONNECT event's fields with `type` and `methodArn`.
    public static func authorizerRequest(
        headers: [(name: String, value: String)], query: String, methodARN: String, stageVariables: [String: String], connection: Connection,
        requestID: String, nowMillis: Int64
    ) -> [UInt8] {
        var event = fields(.connect(headers: headers, query: query), routeKey: "$connect", connection: connection, requestID: requestID, nowMillis: nowMillis)
        event["type"] = "REQUEST"
        event["methodArn"] = .string(methodARN)
        event["stageVariables"] = stageVariables.isEmpty ? .null : .object(stageVariables.mapValues { .string($0) })
        event["isBase64Encoded"] = nil
        return Array(JSONValue.object(event).serialized.utf8)
    }

    static func fields(_ kind: Kind, routeKey: String, connection: Connection, requestID: String, nowMillis: Int64) -> [String: JSONValue] {
        var identity: [String: JSONValue] = ["sourceIp": .string(connection.sourceIP)]
        if let agent = connection.userAgent { identity["userAgent"] = .string(agent) }
        if let certificate = connection.clientCertificate { identity["clientCert"] = certificate.json }
        if let key = connection.apiKey {
            identity["apiKey"] = .string(key.value)
            identity["apiKeyId"] = .string(key.id)
        }
        var context: [String: JSONValue] = [
            "routeKey": .string(routeKey), "connectionId": .string(connection.connectionID), "domainName": .string(connection.domainName),
            "stage": .string(connection.stage), "apiId": .string(connection.apiID), "connectedAt": .number(Double(connection.connectedAtMillis)),
            "requestId": .string(requestID), "extendedRequestId": .string(requestID), "requestTimeEpoch": .number(Double(nowMillis)),
            "requestTime": .string(CivilTime(epochSeconds: nowMillis / 1000).commonLogFormat), "identity": .object(identity),
        ]
        if let authorizer = connection.authorizer {
            var fields = authorizer.context
            if let principal = authorizer.principalID { fields["principalId"] = .string(principal) }
            if let iam = authorizer.iam {
                identity["userArn"] = .string(iam.userARN)
                identity["accessKey"] = .string(iam.accessKey)
                identity["accountId"] = .string(iam.accountID)
                context["identity"] = .object(identity)
            } else {
                context["authorizer"] = .object(fields)
            }
        }
        var event: [String: JSONValue] = ["isBase64Encoded": false]
        switch kind {
        case .connect(let headers, let query):
            context["eventType"] = "CONNECT"
            context["messageDirection"] = "IN"
            var single: [String: JSONValue] = [:]
            var multi: [String: [JSONValue]] = [:]
            for (name, value) in headers {
                single[name] = .string(value)
                multi[name, default: []].append(.string(value))
            }
            event["headers"] = .object(single)
            event["multiValueHeaders"] = .object(multi.mapValues { .array($0) })
            var singleQuery: [String: JSONValue] = [:]
            var multiQuery: [String: [JSONValue]] = [:]
            for pair in query.split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = PercentEncoding.decode(parts[0], plusAsSpace: true) ?? String(parts[0])
                let value = parts.count == 2 ? (PercentEncoding.decode(parts[1], plusAsSpace: true) ?? String(parts[1])) : ""
                singleQuery[name] = .string(value)
                multiQuery[name, default: []].append(.string(value))
            }
            if !singleQuery.isEmpty {
                event["queryStringParameters"] = .object(singleQuery)
                event["multiValueQueryStringParameters"] = .object(multiQuery.mapValues { .array($0) })
            }
        case .message(let body, let binary, let messageID):
            context["eventType"] = "MESSAGE"
            context["messageDirection"] = "IN"
            context["messageId"] = .string(messageID)
            event["body"] = .string(binary ? Base64.encode(body) : String(decoding: body, as: UTF8.self))
            event["isBase64Encoded"] = .bool(binary)
        case .disconnect(let statusCode, let reason):
            context["eventType"] = "DISCONNECT"
            context["messageDirection"] = "IN"
            context["disconnectStatusCode"] = .number(Double(statusCode))
            context["disconnectReason"] = .string(reason)
        }
        event["requestContext"] = .object(context)
        return event
    }
}

extension MappingSeed {
    /// What a WebSocket route's mapping templates read: `$context.connectionId`, `routeKey`,
    /// `eventType`, `requestId`, `stage`, `apiId`, `connectedAt`, `identity.sourceIp`; the message is `$input`.
    public static func webSocket(_ connection: WebSocketEvent.Connection, routeKey: String, eventType: String, requestID: String, stageVariables: [String: String]) -> MappingSeed {
        let identity = VelocityMap([("sourceIp", .string(connection.sourceIP)), ("userAgent", connection.userAgent.map { .string($0) } ?? .null)])
        let context = VelocityMap([
            ("connectionId", .string(connection.connectionID)), ("routeKey", .string(routeKey)), ("eventType", .string(eventType)),
            ("requestId", .string(requestID)), ("stage", .string(connection.stage)), ("apiId", .string(connection.apiID)),
            ("domainName", .string(connection.domainName)), ("connectedAt", .integer(Int(connection.connectedAtMillis))),
            ("identity", .map(identity)), ("error", .map(VelocityMap())),
        ])
        return MappingSeed(input: MappingInput(body: []), context: context, stageVariables: stageVariables)
    }
}
