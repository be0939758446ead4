import NIOCore
import NIOHTTP1

/// `$context.requestOverride.*` as a request template set it: headers, query string parameters
/// and path parameters that replace what goes to the integration.
public struct RequestOverride: Sendable {
    public var headers: [(name: String, value: String)] = []
    public var query: [(name: String, value: String)] = []
    public var path: [(name: String, value: String)] = []

    public init() {}

    public var isEmpty: Bool { headers.isEmpty && query.isEmpty && path.isEmpty }
}

extension UpstreamRequest {
    /// This request with `override` applied (a head written with deferred framing, as request
    /// templates write it). Rare, so the head is parsed back rather than kept in parts.
    public func overriding(_ override: RequestOverride, plan: HTTPPlan) -> UpstreamRequest {
        guard !override.isEmpty else { return self }
        var probe = head
        probe.writeStaticString("\r\n")
        guard let (parsed, _) = try? HTTP1Parser.parseRequestHead(probe, limit: probe.readableBytes + 1) else { return self }
        var path = String(parsed.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let rawQuery = parsed.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first.map(String.init) ?? ""
        if !override.path.isEmpty, let values = plan.pathParameters(in: path) {
            var target = ""
            for piece in plan.pathPieces {
                switch piece {
                case .literal(let text): target += text
                case .parameter(let name):
                    if let value = override.path.last(where: { $0.name == name })?.value { target += PercentEncoding.encode(value) } else { target += values[name] ?? "" }
                }
            }
            path = target.isEmpty ? "/" : target
        }
        var pairs = rawQuery.split(separator: "&").map(String.init)
        for (name, value) in override.query {
            pairs.removeAll { pair in PercentEncoding.decode(pair.split(separator: "=", maxSplits: 1).first ?? "", plusAsSpace: true) == name }
            pairs.append(PercentEncoding.encode(name) + "=" + PercentEncoding.encode(value))
        }
        let target = pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
        var fields = parsed.fields.httpHeaders.map { (name: $0.name, value: $0.value) }
        for (name, value) in override.headers {
            fields.removeAll { $0.name.lowercased() == name.lowercased() }
            fields.append((name, value))
        }
        var buffer = ByteBufferAllocator().buffer(capacity: head.readableBytes + 128)
        HTTP1Writer.writeRequestLine(method: method, target: target, into: &buffer)
        for (name, value) in fields { HTTP1Writer.writeField(name, value, into: &buffer) }
        var request = UpstreamRequest(head: buffer, method: method, chunked: chunked)
        request.mapping = mapping
        request.bodyTemplate = bodyTemplate
        request.bodyConversion = bodyConversion
        return request
    }
}

extension HTTPPlan {
    /// The path parameters' (still encoded) values in a target this plan wrote, by matching its
    /// literal pieces; nil when the target does not follow the pieces.
    func pathParameters(in target: String) -> [String: String]? {
        var values: [String: String] = [:]
        var rest = Substring(target)
        for (index, piece) in pathPieces.enumerated() {
            switch piece {
            case .literal(let text):
                guard rest.hasPrefix(text) else { return nil }
                rest = rest.dropFirst(text.count)
            case .parameter(let name):
                var next: String?
                if index + 1 < pathPieces.count, case .literal(let text) = pathPieces[index + 1] { next = text }
                if let next, let end = rest.range(of: next) {
                    values[name] = String(rest[..<end.lowerBound])
                    rest = rest[end.lowerBound...]
                } else {
                    values[name] = String(rest)
                    rest = ""
                }
            }
        }
        return values
    }
}
