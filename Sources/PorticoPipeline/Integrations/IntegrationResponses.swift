import NIOCore
import NIOHTTP1
import PorticoVelocity

/// An integration's `responses`, compiled: selection patterns as regular expressions, templates as
/// ready bytes, parameter mappings parsed.
public struct IntegrationResponses: Sendable {
    public struct Entry: Sendable {
        /// nil for `default`.
        let pattern: SelectionPattern?
        public let status: HTTPResponseStatus
        public let headers: [(name: String, source: ResponseValue)]
        /// Response templates by content type, in definition order.
        public let bodies: [(contentType: String, body: ResponseBody)]
        /// `contentHandling` of this integration response.
        public var contentHandling: ContentHandling? = nil

        /// Whether a header is read from the integration's body (then the body is buffered).
        public var readsBody: Bool {
            headers.contains { if case .integrationBody = $0.source { return true } else { return false } }
        }
    }

    /// A response header's source: a literal, a header of the integration's response, or a
    /// JSONPath into its body (`integration.response.body.a.b`).
    public enum ResponseValue: Sendable {
        case literal(String)
        case integrationHeader(String)
        case integrationBody(JSONPath)
    }

    public let entries: [Entry]
    public let fallback: Entry?

    /// Whether any response template reads the request or the integration response (then the
    /// route gathers a `MappingSeed`).
    public var hasTemplates: Bool {
        (entries + (fallback.map { [$0] } ?? [])).contains { $0.bodies.contains { $0.body.isTemplate } }
    }

    init(entries: [Entry], fallback: Entry?) {
        self.entries = entries
        self.fallback = fallback
    }

    /// The response whose selection pattern wholly matches `selector` (a status code for HTTP and
    /// MOCK), else `default`, else nil (AWS then fails with an internal error).
    public func select(_ selector: String) -> Entry? {
        for entry in entries {
            if let pattern = entry.pattern, pattern.matches(selector) { return entry }
        }
        return fallback
    }
}

extension IntegrationResponses.Entry {
    /// The template for the client's `Accept`, else `application/json`, else the first one.
    public func body(accepting accept: String?) -> (contentType: String, body: ResponseBody)? {
        if let accept {
            for item in accept.split(separator: ",") {
                let type = item.split(separator: ";").first.map { $0.trimmingSpaces() } ?? ""
                if let match = bodies.first(where: { $0.contentType.lowercased() == type.lowercased() }) { return match }
            }
        }
        return bodies.first { $0.contentType == "application/json" } ?? bodies.first
    }

    /// The literal response headers of this entry (a MOCK has no integration headers to read).
    public var literalHeaders: [(String, String)] {
        headers.compactMap { name, source in
            if case .literal(let value) = source { return (name, value) }
            return nil
        }
    }
}

/// A compiled selection pattern. `Regex` is not declared `Sendable`, but a compiled regex is never
/// mutated after creation (its lazily lowered program is published atomically), so sharing it
/// across event loops is safe.
struct SelectionPattern: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws {
        regex = try Regex(pattern)
    }

    /// Java's `String.matches`: the whole input must match.
    func matches(_ input: String) -> Bool {
        (try? regex.wholeMatch(in: input)) != nil
    }
}

extension IntegrationResponses.Entry {
    /// Why a buffered integration response could not be mapped (the client gets a 500).
    public struct MappingFailure: Error, Sendable {
        public var reason: String
    }

    /// The client's response from a whole (buffered) integration response: the body converted
    /// per `contentHandling` and the binary media types, headers mapped (including from the body),
    /// then the template for the client's Accept rendered over it, `responseOverride` applied.
    public func respond(
        integrationBody body: [UInt8], integrationFields fields: [(name: String, value: String)], accept: String?,
        binaryMedia: BinaryMediaTypes, mapping: MappingSeed?
    ) -> Result<PreparedResponse, MappingFailure> {
        func field(_ name: String) -> String? { fields.first { $0.name.lowercased() == name.lowercased() }?.value }
        let integrationType = field("content-type")
        guard let converted = binaryMedia.convertResponse(body, contentType: integrationType, accept: accept, handling: contentHandling) else {
            return .failure(MappingFailure(reason: "the integration's response is not base64 and cannot be converted to binary"))
        }
        var headers: [(String, String)] = []
        var document: VelocityValue??
        for (name, source) in self.headers {
            switch source {
            case .literal(let value): headers.append((name, value))
            case .integrationHeader(let header): if let value = field(header) { headers.append((name, value)) }
            case .integrationBody(let path):
                if document == nil { document = .some(try? MappingJSON.parse(body)) }
                guard case .some(let root?) = document, let found = path.select(root).first, !found.isNull else { continue }
                if case .string(let text) = found { headers.append((name, text)) } else { headers.append((name, MappingJSON.serialize(found))) }
            }
        }
        var status = self.status
        let output: ByteBuffer
        let contentType: String
        if let chosen = self.body(accepting: accept) {
            do {
                output = try chosen.body.render(mapping?.variables(body: converted) ?? [:])
            } catch {
                return .failure(MappingFailure(reason: "the response template failed: \(error)"))
            }
            contentType = chosen.contentType
            if let override = mapping?.responseOverride {
                if let code = override.status { status = HTTPResponseStatus(statusCode: code) }
                headers += override.headers
            }
        } else {
            output = ByteBuffer(bytes: converted)
            contentType = integrationType ?? "application/json"
        }
        return .success(PreparedResponse(status: status, headers: headers, contentType: contentType, body: output))
    }
}
