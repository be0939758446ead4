import NIOCore
import NIOHTTP1
import PorticoModel
import PorticoVelocity

/// A MOCK integration: the status comes from the request template's `statusCode` (rendered when
/// it is a template), the response from the integration response that status selects, its
/// template rendered with an empty integration body, as AWS renders a MOCK's.
public struct MockPlan: Sendable {
    /// Request templates by content type: a literal one's status is read when compiling.
    let requestTemplates: [(contentType: String, status: Int?, template: Template?)]
    let passthrough: Integration.PassthroughBehavior
    public let responses: IntegrationResponses
    /// A request template reads the request body: the body is collected before answering.
    public let needsBody: Bool
    /// Some template reads the request (`$input`, `$context`, …): the route gathers a seed.
    public let needsSeed: Bool

    init(requestTemplates: [(contentType: String, status: Int?, template: Template?)], passthrough: Integration.PassthroughBehavior, responses: IntegrationResponses) {
        self.requestTemplates = requestTemplates
        self.passthrough = passthrough
        self.responses = responses
        let dynamic = requestTemplates.contains { $0.template != nil }
        needsBody = requestTemplates.contains { $0.template?.readsBody == true }
        needsSeed = dynamic || responses.hasTemplates
    }

    /// The outcome for a request with this `Content-Type` and `Accept` (and body, when `needsBody`).
    public func respond(contentType: String?, accept: String?, seed: MappingSeed?, body: [UInt8] = []) -> Result<PreparedResponse, GatewayError> {
        let type = contentType.map(Self.mediaType) ?? "application/json"
        var status: Int?
        if let chosen = requestTemplates.first(where: { $0.contentType == type }) {
            if let template = chosen.template {
                guard let seed, let output = try? template.render(seed.variables(body: body)) else { return .failure(.internalError) }
                status = Self.statusCode(inOutput: output)
            } else {
                status = chosen.status
            }
        } else if passthrough == .never || (passthrough == .whenNoTemplates && !requestTemplates.isEmpty) {
            return .failure(.unsupportedMediaType)
        } else {
            // Passed through: the body itself must name the status.
            status = Self.statusCode(inOutput: String(decoding: body, as: UTF8.self))
        }
        guard let status, let entry = responses.select(String(status)) else { return .failure(.internalError) }
        let chosen = entry.body(accepting: accept)
        var responseBody = ByteBuffer()
        if let chosen {
            do {
                responseBody = try chosen.body.render(seed?.variables(body: []) ?? [:])
            } catch {
                return .failure(.internalError)
            }
        }
        var headers = entry.literalHeaders
        var finalStatus = entry.status
        if let seed {
            let override = seed.responseOverride
            if let code = override.status { finalStatus = HTTPResponseStatus(statusCode: code) }
            headers += override.headers
        }
        return .success(PreparedResponse(status: finalStatus, headers: headers, contentType: chosen?.contentType ?? "application/json", body: responseBody))
    }

    /// `statusCode` in a rendered request template (a number, or a string of digits).
    static func statusCode(inOutput output: String) -> Int? {
        guard let value = try? JSONValue.parse(output) else { return statusCode(inTemplate: output) }
        switch value["statusCode"] {
        case .number(let number)?: return Int(number)
        case .string(let text)?: return Int(text)
        default: return nil
        }
    }

    static func mediaType(_ header: String) -> String {
        (header.split(separator: ";").first.map { $0.trimmingSpaces() } ?? header).lowercased()
    }

    /// Finds `"statusCode": N` in a literal template (one without directives or references).
    static func statusCode(inTemplate template: String) -> Int? {
        guard let range = template.firstRange(of: "\"statusCode\"") else { return nil }
        var rest = template[range.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return Int(rest.prefix { $0.isNumber })
    }
}

/// A response decided without an upstream body: status, headers and body bytes.
public struct PreparedResponse: Sendable {
    public let status: HTTPResponseStatus
    public let headers: [(String, String)]
    public let contentType: String?
    public let body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: [(String, String)], contentType: String?, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.contentType = contentType
        self.body = body
    }


}
