import NIOCore
import NIOHTTP1

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
    }

    /// A response header's source: a literal, or a header of the integration's response.
    public enum ResponseValue: Sendable, Hashable {
        case literal(String)
        case integrationHeader(String)
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
