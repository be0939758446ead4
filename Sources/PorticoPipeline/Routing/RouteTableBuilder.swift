/// Builds a `RouteTable` from compiled routes; reports duplicates and conflicting parameter names.
struct RouteTableBuilder {
    private final class Node {
        var literals: [String: Node] = [:]
        var parameter: (name: String, node: Node)?
        var greedy: (name: String, methods: MethodTable)?
        var methods = MethodTable()

        func freeze() -> RouteNode {
            RouteNode(
                literals: literals.mapValues { $0.freeze() },
                parameter: parameter.map { ($0.name, $0.node.freeze()) },
                greedy: greedy,
                methods: methods
            )
        }
    }

    private let root = Node()
    private var defaultRoute: CompiledRoute?

    enum Conflict: Error, Equatable {
        case duplicate(String)
        case parameterName(existing: String, new: String, path: String)
    }

    /// Adds a route at `path` (`/pets/{id}`, `/{proxy+}`, or "" for `$default`).
    mutating func add(_ route: CompiledRoute, path: String) throws(Conflict) {
        if path.isEmpty {
            guard defaultRoute == nil else { throw .duplicate("$default") }
            defaultRoute = route
            return
        }
        var node = root
        let segments = path.split(separator: "/")
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            if segment.hasPrefix("{") && segment.hasSuffix("+}") && isLast {
                let name = String(segment.dropFirst().dropLast(2))
                var (existingName, methods) = node.greedy ?? (name, MethodTable())
                guard existingName == name else {
                    throw .parameterName(existing: existingName, new: name, path: path)
                }
                try Self.insert(route, into: &methods)
                existingName = name
                node.greedy = (existingName, methods)
                return
            }
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let (existing, child) = node.parameter {
                    guard existing == name else { throw .parameterName(existing: existing, new: name, path: path) }
                    node = child
                } else {
                    let child = Node()
                    node.parameter = (name, child)
                    node = child
                }
            } else {
                let child = node.literals[String(segment)] ?? Node()
                node.literals[String(segment)] = child
                node = child
            }
        }
        try Self.insert(route, into: &node.methods)
    }

    private static func insert(_ route: CompiledRoute, into table: inout MethodTable) throws(Conflict) {
        if route.method == "ANY" {
            guard table.any == nil else { throw .duplicate(route.routeKey) }
            table.any = route
        } else {
            guard table.byMethod[route.method] == nil else { throw .duplicate(route.routeKey) }
            table.byMethod[route.method] = route
        }
    }

    func build() -> RouteTable {
        RouteTable(root: root.freeze(), defaultRoute: defaultRoute)
    }
}
