import PorticoModel

/// An integration that calls a function: AWS_PROXY (the event is the whole request, the result
/// the whole response) or AWS (custom: the body is the event, integration responses map the
/// result). Compiled once per stage, with stage variables already in the function ARN.
public final class FunctionPlan: Sendable {
    public let functionName: String
    /// `arn:aws:lambda:{region}:{account}:function:{name}`, for `Lambda-Runtime-Invoked-Function-Arn`.
    public let functionARN: String
    public let proxy: Bool
    /// Payload format: 1.0 (REST, and HTTP APIs that ask for it) or 2.0 (HTTP APIs' default).
    public let payloadVersion: String
    public let timeoutMillis: Int
    /// Content types whose bodies are sent base64-encoded (REST: the API's binary media types).
    public let binaryMediaTypes: [String]
    /// AWS (non-proxy): responses chosen by the error message.
    public let responses: IntegrationResponses?

    init(functionName: String, functionARN: String, proxy: Bool, payloadVersion: String, timeoutMillis: Int, binaryMediaTypes: [String], responses: IntegrationResponses?) {
        self.functionName = functionName
        self.functionARN = functionARN
        self.proxy = proxy
        self.payloadVersion = payloadVersion
        self.timeoutMillis = timeoutMillis
        self.binaryMediaTypes = binaryMediaTypes
        self.responses = responses
    }

    /// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionARN}/invocations` → the function ARN.
    public static func functionARN(fromIntegrationURI uri: String) -> String? {
        guard uri.hasPrefix("arn:"), let start = uri.range(of: ":lambda:path/2015-03-31/functions/")?.upperBound else { return nil }
        let rest = uri[start...]
        guard let end = rest.range(of: "/invocations")?.lowerBound else { return nil }
        let arn = String(rest[..<end])
        return arn.isEmpty ? nil : arn
    }

    /// `arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]`, or a bare name → `name`.
    public static func functionName(fromARN arn: String) -> String? {
        guard arn.hasPrefix("arn:") else { return arn.isEmpty ? nil : arn }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[2] == "lambda", parts[5] == "function", !parts[6].isEmpty else { return nil }
        return String(parts[6])
    }
}
