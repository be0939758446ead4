import NIOCore
import NIOHTTP1
import PorticoModel

/// What a function's invocation ended with, as the runtime reported it.
public enum FunctionOutcome: Sendable {
    /// `…/response`: the result payload.
    case result([UInt8])
    /// `…/error` (or an unhandled exception): the error document (`errorMessage`, `errorType`).
    case error([UInt8])
    /// The invocation ran out of time; its instance was stopped.
    case timeout
    /// Too many invocations waiting for an instance.
    case throttled
    /// The function could not run: no such function, a process that would not start or crashed, an
    /// init error, an oversized response. The reason goes to the log, not to the client.
    case failure(String)
}

/// Turns a function's outcome into the client's response, as API Gateway reads function results.
public enum FunctionResponse {
    /// Lambda's limit on a synchronous response payload.
    public static let maxPayloadBytes = 6 * 1024 * 1024

    /// Proxy integrations: `statusCode`, `headers`, `multiValueHeaders`, `body`, `isBase64Encoded`
    /// (and `cookies` for 2.0). Payload 2.0 reads anything else as a 200 JSON body.
    /// `decodeBase64`: whether a body with `isBase64Encoded` is decoded. HTTP APIs always decode;
    /// REST APIs only when the first type of the client's Accept is a binary media type, and
    /// otherwise send the base64 text as it is (AWS).
    public static func proxy(_ outcome: FunctionOutcome, version: String, decodeBase64: Bool = true) -> Result<PreparedResponse, Failure> {
        switch outcome {
        case .timeout: return .failure(Failure(error: .integrationTimeout, reason: "the function timed out"))
        case .throttled: return .failure(Failure(error: .throttled, reason: "no function instance is free and the queue is full"))
        case .failure(let reason): return .failure(Failure(error: .functionFailure, reason: reason))
        case .error(let document):
            return .failure(Failure(error: .functionFailure, reason: "the function failed: \(String(decoding: document.prefix(500), as: UTF8.self))"))
        case .result(let payload):
            guard payload.count <= maxPayloadBytes else {
                return .failure(Failure(error: .functionFailure, reason: "the function's response is over 6 MB"))
            }
            let value = try? JSONValue.parse(payload)
            if version == "2.0", value?["statusCode"] == nil {
                // A string or JSON without statusCode: the result itself is the body of a 200.
                let body: [UInt8]
                if case .string(let text)? = value { body = Array(text.utf8) } else { body = payload }
                return .success(PreparedResponse(status: .ok, headers: [], contentType: "application/json", body: ByteBuffer(bytes: body)))
            }
            guard case .object(let members)? = value else {
                return .failure(Failure(error: .functionFailure, reason: "Malformed Lambda proxy response: not a JSON object"))
            }
            return parseProxy(members, version: version, decodeBase64: decodeBase64)
        }
    }

    public struct Failure: Error, Sendable {
        public var error: GatewayError
        /// For the log: why, in words.
        public var reason: String
    }

    static func parseProxy(_ members: [String: JSONValue], version: String, decodeBase64: Bool = true) -> Result<PreparedResponse, Failure> {
        func malformed(_ why: String) -> Result<PreparedResponse, Failure> {
            .failure(Failure(error: .functionFailure, reason: "Malformed Lambda proxy response: \(why)"))
        }
        let status: Int
        switch members["statusCode"] {
        case .number(let number) where number == number.rounded() && (100...599).contains(number): status = Int(number)
        case .string(let text) where Int(text).map({ (100...599).contains($0) }) == true: status = Int(text)!
        case nil where version == "2.0": status = 200
        default: return malformed("statusCode must be an integer from 100 to 599")
        }
        var headers: [(String, String)] = []
        switch members["headers"] {
        case .object(let fields):
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard let text = scalarText(value) else { return malformed("header '\(name)' is not a string") }
                headers.append((name, text))
            }
        case nil, .null?: break
        default: return malformed("headers must be an object")
        }
        switch members["multiValueHeaders"] {
        case .object(let fields):
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard case .array(let values) = value else { return malformed("multiValueHeaders '\(name)' is not a list") }
                headers.removeAll { $0.0.lowercased() == name.lowercased() }
                for item in values {
                    guard let text = scalarText(item) else { return malformed("multiValueHeaders '\(name)' holds a non-string") }
                    headers.append((name, text))
                }
            }
        case nil, .null?: break
        default: return malformed("multiValueHeaders must be an object")
        }
        if version == "2.0", case .array(let cookies)? = members["cookies"] {
            for cookie in cookies { if let text = cookie.stringValue { headers.append(("set-cookie", text)) } }
        }
        var body: [UInt8] = []
        switch members["body"] {
        case .string(let text):
            if members["isBase64Encoded"]?.boolValue == true, decodeBase64 {
                guard let decoded = Base64.decode(text) else { return malformed("isBase64Encoded is true but body is not base64") }
                body = decoded
            } else {
                body = Array(text.utf8)
            }
        case nil, .null?: break
        default:
            guard version == "2.0", let value = members["body"] else { return malformed("body must be a string") }
            body = Array(value.serialized.utf8)
        }
        let hasType = headers.contains { $0.0.lowercased() == "content-type" }
        return .success(PreparedResponse(
            status: HTTPResponseStatus(statusCode: status), headers: headers, contentType: hasType ? nil : "application/json",
            body: ByteBuffer(bytes: body)
        ))
    }

    private static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): JSONValue.format(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// AWS (non-proxy) integrations: a result goes through the default response (or one whose
    /// pattern matches the empty string); an error's `errorMessage` is matched against the patterns.
    public static func custom(_ outcome: FunctionOutcome, responses: IntegrationResponses?, accept: String?, seed: MappingSeed? = nil) -> Result<PreparedResponse, Failure> {
        let selector: String
        let payload: [UInt8]
        switch outcome {
        case .timeout: return .failure(Failure(error: .integrationTimeout, reason: "the function timed out"))
        case .throttled: return .failure(Failure(error: .throttled, reason: "no function instance is free and the queue is full"))
        case .failure(let reason): return .failure(Failure(error: .internalError, reason: reason))
        case .result(let result):
            selector = ""
            payload = result
        case .error(let document):
            selector = (try? JSONValue.parse(document))?["errorMessage"]?.stringValue ?? ""
            payload = document
        }
        guard let entry = responses?.select(selector) else {
            return .failure(Failure(error: .internalError, reason: "no integration response matches '\(selector)' and none is default"))
        }
        var headers = entry.literalHeaders
        headers.removeAll { $0.0.lowercased() == "content-type" }
        // The response template for the client's Accept renders the result; without one it passes through.
        var body = ByteBuffer(bytes: payload)
        var contentType = "application/json"
        var status = entry.status
        if let chosen = entry.body(accepting: accept) {
            do {
                body = try chosen.body.render(seed?.variables(body: payload) ?? [:])
                contentType = chosen.contentType
            } catch {
                return .failure(Failure(error: .internalError, reason: "the response template failed: \(error)"))
            }
            if let seed {
                let override = seed.responseOverride
                if let code = override.status { status = HTTPResponseStatus(statusCode: code) }
                headers += override.headers
            }
        }
        return .success(PreparedResponse(status: status, headers: headers, contentType: contentType, body: body))
    }
}
