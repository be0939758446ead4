import NIOCore
import NIOHTTP1
import PorticoModel
import PorticoVelocity

/// An API's customised gateway responses, compiled: status, static headers and templates per
/// type, with `DEFAULT_4XX` / `DEFAULT_5XX` as the fallbacks AWS applies.
public final class CustomGatewayResponses: Sendable {
    struct Entry: Sendable {
        var status: Int?
        var headers: [(String, String)]
        var templates: [(contentType: String, body: ResponseBody)]
    }

    let byType: [String: Entry]

    init(byType: [String: Entry]) { self.byType = byType }

    /// AWS's response type for an error.
    static func type(of error: GatewayError) -> String {
        switch error {
        case .explicitDeny, .accessDenied, .forbidden, .resourcePolicyDenied: return "ACCESS_DENIED"
        case .unrecognizedClient: return "INVALID_SIGNATURE"
        case .functionFailure, .internalError: return "DEFAULT_5XX"
        case .requestHeadersTooLarge, .badRequest, .upgradeRequired, .gone: return "DEFAULT_4XX"
        default: return error.rawValue
        }
    }

    /// The customised response for `error`, or nil when neither its type nor its class's default
    /// is customised (then AWS's own answer stands).
    public func response(
        for error: GatewayError, apiType: APIType, limits: Limits, context: VelocityMap?,
        message: String? = nil, validationErrors: String = ""
    ) -> PreparedResponse? {
        let type = Self.type(of: error)
        let standard = error.response(for: apiType, limits: limits, message: message)
        let fallback = standard.status.code >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX"
        guard let entry = byType[type] ?? byType[fallback] else { return nil }
        let status = entry.status.map { HTTPResponseStatus(statusCode: $0) } ?? standard.status
        var headers = standard.headers.filter { $0.0 == "x-amzn-ErrorType" }
        headers += entry.headers
        guard let chosen = entry.templates.first(where: { $0.contentType == "application/json" }) ?? entry.templates.first else {
            return PreparedResponse(status: status, headers: headers, contentType: standard.contentType, body: standard.body)
        }
        let message = message ?? error.shape(for: apiType).message
        let errorMap = VelocityMap([
            ("message", .string(message)), ("messageString", .string(JSONValue.string(message).serialized)),
            ("responseType", .string(type)), ("validationErrorString", .string(validationErrors)),
        ])
        let contextMap = context ?? VelocityMap()
        contextMap["error"] = .map(errorMap)
        let variables: [String: VelocityValue] = ["context": .map(contextMap), "stageVariables": .map(VelocityMap())]
        guard let body = try? chosen.body.render(variables) else { return standard }
        return PreparedResponse(status: status, headers: headers, contentType: chosen.contentType, body: body)
    }
}

extension Compiler {
    /// Compiles an API's customised gateway responses; nil when it has none.
    static func compileGatewayResponses(_ definitions: [String: GatewayResponseDefinition], report: (Diagnostic) -> Void, location: SourceLocation) -> CustomGatewayResponses? {
        guard !definitions.isEmpty else { return nil }
        var byType: [String: CustomGatewayResponses.Entry] = [:]
        for (type, definition) in definitions {
            var headers: [(String, String)] = []
            for (key, value) in definition.responseParameters.sorted(by: { $0.key < $1.key }) {
                guard key.hasPrefix("gatewayresponse.header.") else { continue }
                let name = String(key.dropFirst("gatewayresponse.header.".count))
                if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
                    headers.append((name, String(value.dropFirst().dropLast())))
                } else {
                    report(Diagnostic(.unsupported, "gateway response \(type): only static header values ('…') are implemented, not \(value)", at: location))
                }
            }
            var templates: [(contentType: String, body: ResponseBody)] = []
            for (contentType, source) in definition.responseTemplates.sorted(by: { $0.key < $1.key }) {
                do { templates.append((contentType, try ResponseBody(source))) } catch {
                    report(Diagnostic(.error, "the \(type) gateway response template does not compile: \(error.message) at \(error.location)", at: location))
                }
            }
            byType[type] = CustomGatewayResponses.Entry(status: definition.statusCode, headers: headers, templates: templates)
        }
        return CustomGatewayResponses(byType: byType)
    }
}
