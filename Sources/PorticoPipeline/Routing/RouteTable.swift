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
    /// Walks the path's bytes in place: no array of segments is built, and no `Substring` is made
    /// (each would retain the request's string) except for the parameters that match.
    public func match(method: Substring, path: Substring) -> RouteMatch? {
        let found: RouteMatch?? = path.utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            var end = bytes.count
            if start < end && bytes[start] == UInt8(ascii: "/") { start += 1 }
            if end > start && bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }  // "/pets/" is "/pets"
            var parameters = PathParameters()
            guard let route = find(root, bytes, start, end, path: path, method: method, parameters: &parameters) else { return nil }
            return RouteMatch(route: route, pathParameters: parameters)
        }
        if let found {
            return found ?? defaultRoute.map { RouteMatch(route: $0, pathParameters: []) }
        }
        var native = String(path)  // not contiguous (a bridged string): match a native copy
        native.makeContiguousUTF8()
        return match(method: method, path: native[...])
    }

    /// `bytes[start..<end]` is what is left of `path` (its UTF-8 bytes) after this node's segment,
    /// without its leading slash.
    private func find(
        _ node: RouteNode, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, path: Substring, method: Substring,
        parameters: inout PathParameters
    ) -> CompiledRoute? {
        if start == end {
            // The resource is this node (or the path ended in "//": an empty segment matches nothing).
            return node.methods.route(for: method)
        }
        var slash = start
        while slash < end && bytes[slash] != UInt8(ascii: "/") { slash += 1 }
        guard slash > start else { return nil }
        let next = slash < end ? slash + 1 : end
        if slash < end && next == end { return nil }  // a trailing empty segment ("a//")
        if !node.literals.isEmpty,
           let child = node.literals[String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<slash]), as: UTF8.self)],
           let route = find(child, bytes, next, end, path: path, method: method, parameters: &parameters) {
            return route
        }
        // The parts of the node are read one by one: binding a whole optional tuple copies (and
        // retains) every member of it.
        if let child = node.parameterNode {
            parameters.append((node.parameterName, Self.slice(path, start, slash)))
            if let route = find(child, bytes, next, end, path: path, method: method, parameters: &parameters) { return route }
            parameters.removeLast()
        }
        if let methods = node.greedyMethods, let route = methods.route(for: method),
           !Self.hasEmptySegment(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
            parameters.append((node.greedyName, Self.slice(path, start, end)))
            return route
        }
        return nil
    }
}

extension RouteTable {
    /// The part of `path` between two UTF-8 offsets.
    static func slice(_ path: Substring, _ start: Int, _ end: Int) -> Substring {
        let utf8 = path.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: start)
        return path[from..<utf8.index(from, offsetBy: end - start)]
    }

    /// Whether `path` holds "//" (an empty segment).
    static func hasEmptySegment(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        var previousSlash = false
        for byte in path {
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
    public let pathParameters: PathParameters

    init(route: CompiledRoute, pathParameters: PathParameters) {
        self.route = route
        self.pathParameters = pathParameters
    }

    public func pathParameter(_ name: String) -> Substring? {
        pathParameters.first(named: name)
    }
}

/// A route's path parameters, in path order. The first two are kept inline: a match allocates
/// nothing for the usual one or two (`{id}`, `{proxy+}`), where an array would allocate per request.
public struct PathParameters: Sendable, Sequence, ExpressibleByArrayLiteral {
    public typealias Element = (name: String, value: Substring)

    private var first: Element?
    private var second: Element?
    private var more: [Element] = []
    public private(set) var count = 0

    public init() {}

    public init(arrayLiteral elements: Element...) {
        for element in elements { append(element) }
    }

    public var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        switch count {
        case 0: first = element
        case 1: second = element
        default: more.append(element)
        }
        count += 1
    }

    mutating func removeLast() {
        count -= 1
        switch count {
        case 0: first = nil
        case 1: second = nil
        default: more.removeLast()
        }
    }

    public func first(named name: String) -> Substring? {
        if let first, first.name == name { return first.value }
        if let second, second.name == name { return second.value }
        return more.first { $0.name == name }?.value
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        var all: [Element] = []
        all.reserveCapacity(count)
        if let first { all.append(first) }
        if let second { all.append(second) }
        all.append(contentsOf: more)
        return all.makeIterator()
    }
}

final class RouteNode: Sendable {
    let literals: [String: RouteNode]
    /// The `{param}` child, and the parameter's name ("" without one).
    let parameterNode: RouteNode?
    let parameterName: String
    /// The greedy `{proxy+}` resource's methods, and its parameter's name ("" without one).
    let greedyMethods: MethodTable?
    let greedyName: String
    let methods: MethodTable

    init(
        literals: [String: RouteNode], parameter: (name: String, node: RouteNode)?,
        greedy: (name: String, methods: MethodTable)?, methods: MethodTable
    ) {
        self.literals = literals
        self.parameterNode = parameter?.node
        self.parameterName = parameter?.name ?? ""
        self.greedyMethods = greedy?.methods
        self.greedyName = greedy?.name ?? ""
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
