/// The routes of one stage as a trie of path segments, built once per deployment.
///
/// Matching follows API Gateway: a literal segment beats a `{param}`, which beats a greedy
/// `{proxy+}`; a specific method beats `ANY`. Precedence is per resource and method, for REST APIs
/// as for HTTP APIs: a literal resource without the request's method leaves the request to a
/// `{param}` or greedy sibling that has it (observed on AWS). HTTP APIs then fall back to `$default`.
public final class RouteTable: Sendable {
    let root: RouteNode
    let defaultRoute: CompiledRoute?

    init(root: RouteNode, defaultRoute: CompiledRoute?) {
        self.root = root
        self.defaultRoute = defaultRoute
    }

    /// Matches a raw (still percent-encoded) path such as `/pets/42`, without a query string.
    /// Walks the path in place: no array of segments is built.
    public func match(method: Substring, path: Substring) -> RouteMatch? {
        // Scanned as UTF-8 bytes: `Character` operations on a Substring walk grapheme clusters.
        var rest = path
        if rest.utf8.first == UInt8(ascii: "/") { rest = rest[rest.utf8.index(after: rest.startIndex)...] }
        if rest.utf8.last == UInt8(ascii: "/") { rest = rest[..<rest.utf8.index(before: rest.endIndex)] }  // "/pets/" is "/pets"
        var parameters: [(name: String, value: Substring)] = []
        if let route = find(root, rest, method: method, parameters: &parameters) {
            return RouteMatch(route: route, pathParameters: parameters)
        }
        return defaultRoute.map { RouteMatch(route: $0, pathParameters: []) }
    }

    /// `rest` is what is left of the path after this node's segment, without its leading slash.
    private func find(
        _ node: RouteNode, _ rest: Substring, method: Substring, parameters: inout [(name: String, value: Substring)]
    ) -> CompiledRoute? {
        if rest.isEmpty {
            // The resource is this node (or the path ended in "//": an empty segment matches nothing).
            return node.methods.route(for: method)
        }
        let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/"))
        let segment = rest[..<(slash ?? rest.endIndex)]
        guard !segment.isEmpty else { return nil }
        let remaining: Substring = slash.map { rest[rest.utf8.index(after: $0)...] } ?? rest[rest.endIndex...]
        if slash != nil && remaining.isEmpty { return nil }  // a trailing empty segment ("a//")
        if let child = node.literals[String(segment)] {
            if let route = find(child, remaining, method: method, parameters: &parameters) { return route }
        }
        if let (name, child) = node.parameter {
            parameters.append((name, segment))
            if let route = find(child, remaining, method: method, parameters: &parameters) { return route }
            parameters.removeLast()
        }
        if let (name, methods) = node.greedy, let route = methods.route(for: method), !Self.hasEmptySegment(rest) {
            parameters.append((name, rest))
            return route
        }
        return nil
    }
}

extension RouteTable {
    /// Whether `path` holds "//" (an empty segment), scanned as bytes.
    static func hasEmptySegment(_ path: Substring) -> Bool {
        var previousSlash = false
        for byte in path.utf8 {
            let slash = byte == UInt8(ascii: "/")
            if slash && previousSlash { return true }
            previousSlash = slash
        }
        return false
    }
}

/// A matched route and the raw values of its path parameters.
public struct RouteMatch: Sendable {
    public let route: CompiledRoute
    public let pathParameters: [(name: String, value: Substring)]

    public func pathParameter(_ name: String) -> Substring? {
        pathParameters.first { $0.name == name }?.value
    }
}

final class RouteNode: Sendable {
    let literals: [String: RouteNode]
    let parameter: (name: String, node: RouteNode)?
    let greedy: (name: String, methods: MethodTable)?
    let methods: MethodTable

    init(
        literals: [String: RouteNode], parameter: (name: String, node: RouteNode)?,
        greedy: (name: String, methods: MethodTable)?, methods: MethodTable
    ) {
        self.literals = literals
        self.parameter = parameter
        self.greedy = greedy
        self.methods = methods
    }
}

struct MethodTable: Sendable {
    var byMethod: [String: CompiledRoute] = [:]
    var any: CompiledRoute?

    var isDefined: Bool { any != nil || !byMethod.isEmpty }

    func route(for method: Substring) -> CompiledRoute? {
        if !byMethod.isEmpty, let route = byMethod[String(method)] { return route }
        return any
    }
}
