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
    /// The same, compiled for matching.
    public let binaryMedia: BinaryMediaTypes
    /// AWS (non-proxy): responses chosen by the error message.
    public let responses: IntegrationResponses?
    /// AWS (non-proxy): request templates by content type, and what happens without one.
    public let requestTemplates: [(contentType: String, body: ResponseBody)]
    public let passthrough: Integration.PassthroughBehavior

    /// Custom integrations with templates gather a `MappingSeed`.
    public var needsSeed: Bool {
        !proxy && (requestTemplates.contains { $0.body.isTemplate } || responses?.hasTemplates == true)
    }

    init(
        functionName: String, functionARN: String, proxy: Bool, payloadVersion: String, timeoutMillis: Int, binaryMediaTypes: [String],
        responses: IntegrationResponses?, requestTemplates: [(contentType: String, body: ResponseBody)] = [], passthrough: Integration.PassthroughBehavior = .whenNoMatch
    ) {
        self.requestTemplates = requestTemplates
        self.passthrough = passthrough
        self.functionName = functionName
        self.functionARN = functionARN
        self.proxy = proxy
        self.payloadVersion = payloadVersion
        self.timeoutMillis = timeoutMillis
        self.binaryMediaTypes = binaryMediaTypes
        self.binaryMedia = BinaryMediaTypes(binaryMediaTypes)
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

extension FunctionPlan {
    /// A custom integration's event: the request template for the request's content type rendered
    /// with the body, or the body itself as `passthroughBehavior` allows (nil: 415).
    public func customEvent(body: [UInt8], contentType: String?, seed: MappingSeed?) -> Result<[UInt8], GatewayError> {
        let type = (contentType?.split(separator: ";").first.map { $0.trimmingSpaces() } ?? "application/json").lowercased()
        if let chosen = requestTemplates.first(where: { $0.contentType.lowercased() == type }) {
            do {
                let rendered = try chosen.body.render(seed?.variables(body: body) ?? [:])
                return .success(Array(rendered.readableBytesView))
            } catch {
                return .failure(.internalError)
            }
        }
        if passthrough == .never || (passthrough == .whenNoTemplates && !requestTemplates.isEmpty) {
            return .failure(.unsupportedMediaType)
        }
        return .success(body.isEmpty ? Array("{}".utf8) : body)
    }
}
