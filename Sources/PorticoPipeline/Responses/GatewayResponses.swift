import NIOCore
import NIOHTTP1
import PorticoModel

extension GatewayError {
    /// The response AWS sends for this error: REST bodies are `{"message": "…"}` (AWS's default
    /// template puts a space after the colon), HTTP API bodies are compact. Request-size errors come
    /// from AWS's front door as plain text, not as gateway responses.
    /// `message` replaces the standard message where AWS words it per request (validation).
    public func response(for type: APIType, limits: Limits, message: String? = nil) -> PreparedResponse {
        switch self {
        case .requestTooLarge where type == .rest:
            return PreparedResponse(
                status: .payloadTooLarge, headers: [], contentType: "text; charset=utf-8",
                body: ByteBuffer(string: "HTTP content length exceeded \(limits.maxPayloadBytes) bytes."))
        case .requestHeadersTooLarge:
            return PreparedResponse(
                status: .requestHeaderFieldsTooLarge, headers: [], contentType: "text; charset=utf-8",
                body: ByteBuffer(string: "HTTP header is larger than \(limits.maxHeaderBytes) bytes."))
        case .authorizerFailure where type == .rest:
            // AWS answers a failed REST authorizer with a null message.
            return PreparedResponse(
                status: .internalServerError, headers: [("x-amzn-ErrorType", "AuthorizerConfigurationException")],
                contentType: "application/json", body: ByteBuffer(string: "{\"message\": null}"))
        case .resourcePolicyDenied:
            // Resource policy denials come from IAM, worded and keyed (`Message`) as IAM words them.
            let (status, standard, errorType) = shape(for: type)
            return PreparedResponse(
                status: HTTPResponseStatus(statusCode: status), headers: [("x-amzn-ErrorType", errorType)],
                contentType: "application/json", body: ByteBuffer(string: "{\"Message\":\(JSONValue.string(message ?? standard).serialized)}"))
        default:
            let (status, standard, errorType) = shape(for: type)
            let separator = type == .rest ? ": " : ":"
            return PreparedResponse(
                status: HTTPResponseStatus(statusCode: status), headers: [("x-amzn-ErrorType", errorType)],
                contentType: "application/json",
                body: ByteBuffer(string: "{\"message\"\(separator)\(JSONValue.string(message ?? standard).serialized)}"))
        }
    }
}
