/// Matches a management call to its operation by method and path template
/// (`/restapis/{restapi_id}/resources/{resource_id}`), as botocore's service models write them.
struct AdminRouter<Handler: Sendable>: Sendable {
    private struct Entry: Sendable {
        var method: String
        var segments: [Segment]
        var handler: Handler
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private var entries: [Entry] = []

    mutating func add(_ method: String, _ template: String, _ handler: Handler) {
        let segments = template.split(separator: "/").map { part -> Segment in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        entries.append(Entry(method: method, segments: segments, handler: handler))
    }

    enum Match {
        case found(Handler, parameters: [String: String])
        /// The path exists, not with this method.
        case methodNotAllowed
        case notFound
    }

    /// Path segments are percent-decoded one by one, so an encoded `/` stays inside its segment
    /// (botocore encodes ARNs that way in `/tags/{resource_arn}`). A literal segment beats a
    /// parameter at the same position.
    func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { AdminRequest.decode($0) }
        var best: (entry: Entry, parameters: [String: String], literals: Int)?
        var pathMatched = false
        for entry in entries where entry.segments.count == parts.count {
            var parameters: [String: String] = [:]
            var literals = 0
            var matched = true
            for (segment, part) in zip(entry.segments, parts) {
                switch segment {
                case .literal(let text):
                    if text != part { matched = false }
                    literals += 1
                case .parameter(let name): parameters[name] = part
                }
                if !matched { break }
            }
            guard matched else { continue }
            pathMatched = true
            guard entry.method == method else { continue }
            if best == nil || literals > best!.literals { best = (entry, parameters, literals) }
        }
        if let best { return .found(best.entry.handler, parameters: best.parameters) }
        return pathMatched ? .methodNotAllowed : .notFound
    }
}
