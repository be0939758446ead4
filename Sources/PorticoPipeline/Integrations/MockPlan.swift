import NIOCore
import NIOHTTP1
import PorticoModel

/// A MOCK integration: the status comes from the request template's `statusCode`, the response from
/// the integration response that status selects.
public struct MockPlan: Sendable {
    /// The `statusCode` each request template names, by content type (nil: none found).
    let statusByContentType: [(contentType: String, status: Int?)]
    let passthrough: Integration.PassthroughBehavior
    public let responses: IntegrationResponses

    /// The outcome for a request with this `Content-Type` and `Accept`.
    public func respond(contentType: String?, accept: String?) -> Result<PreparedResponse, GatewayError> {
        let type = contentType.map(Self.mediaType) ?? "application/json"
        let status: Int?
        if let template = statusByContentType.first(where: { $0.contentType == type }) {
            status = template.status
        } else if passthrough == .never || (passthrough == .whenNoTemplates && !statusByContentType.isEmpty) {
            return .failure(.unsupportedMediaType)
        } else {
            // Passed through: the body is not a template, so no statusCode is found.
            status = nil
        }
        guard let status, let entry = responses.select(String(status)) else { return .failure(.internalError) }
        return .success(PreparedResponse(entry: entry, accept: accept))
    }

    static func mediaType(_ header: String) -> String {
        (header.split(separator: ";").first.map { $0.trimmingSpaces() } ?? header).lowercased()
    }

    /// Finds `"statusCode": N` in a template. Velocity templates are not evaluated yet, so only a
    /// literal number is understood.
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

    init(entry: IntegrationResponses.Entry, accept: String?) {
        let chosen = entry.body(accepting: accept)
        self.init(
            status: entry.status, headers: entry.literalHeaders,
            contentType: chosen?.contentType ?? "application/json", body: chosen?.body ?? ByteBuffer()
        )
    }
}
