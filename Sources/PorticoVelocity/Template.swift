/// A compiled Velocity template: parsed once (per deployment), rendered per request. Errors carry
/// the line and column where the template went wrong.
public struct Template: Sendable {
    let nodes: [Node]
    let macros: [String: Macro]

    /// AWS's limit on a mapping template's size.
    public static let maxBytes = 300 * 1024

    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var description: String { "line \(line), column \(column)" }

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var location: Location
        public var description: String { "\(message) at \(location)" }
    }

    /// Whether the template reads the body (`$input.body`, `$input.json`, `$input.path`).
    public let readsBody: Bool

    /// The text of a template without directives or references: rendering it is returning it.
    public var staticText: String? {
        var text = ""
        for node in nodes {
            guard case .text(let part) = node else { return nil }
            text += part
        }
        return text
    }

    public init(_ source: String) throws(Template.Error) {
        guard source.utf8.count <= Self.maxBytes else {
            throw Error(message: "the template is over \(Self.maxBytes / 1024) KB", location: Location(line: 1, column: 1))
        }
        var parser = Parser(source: source)
        let nodes = try parser.parseTemplate()
        self.nodes = nodes
        self.macros = parser.macros
        self.readsBody = ["$input.body", "$input.json", "$input.path", "${input.body}", "$!input.body"].contains { source.contains($0) }
    }
}

struct Macro: Sendable {
    var parameters: [String]
    var body: [Node]
}

indirect enum Node: Sendable {
    case text(String)
    case reference(Reference)
    /// A reference after `backslashes` backslashes; `literal` is its source text.
    case escapedReference(Reference, backslashes: Int, literal: String)
    case set(Reference, Expression, Template.Location)
    /// `#if` / `#elseif` branches in order, then `#else`.
    case conditional([(Expression, [Node])], otherwise: [Node]?)
    case foreach(variable: String, iterable: Expression, body: [Node], location: Template.Location)
    case breakLoop
    case stop
    case macroCall(name: String, arguments: [Expression], location: Template.Location)
    case define(name: String, body: [Node])
}

struct Reference: Sendable {
    enum Accessor: Sendable {
        case property(String)
        case method(String, [Expression])
        case index(Expression)
    }

    var name: String
    var accessors: [Accessor]
    /// `$!name`: renders nothing when null (API Gateway renders a null reference empty either way).
    var quiet: Bool
    var location: Template.Location
}

indirect enum Expression: Sendable {
    case literal(VelocityValue)
    /// A double-quoted string: interpolated like a small template.
    case interpolated([Node])
    case reference(Reference)
    case list([Expression])
    case range(Expression, Expression)
    case map([(Expression, Expression)])
    case not(Expression)
    case negate(Expression)
    case binary(BinaryOperator, Expression, Expression, Template.Location)
}

enum BinaryOperator: String, Sendable {
    case or = "||", and = "&&", equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">"
    case greaterOrEqual = ">=", plus = "+", minus = "-", times = "*", divide = "/", modulo = "%"
}

extension Template {
    /// The string literals passed first to methods named in `names` (`'$.a'` in
    /// `$input.json('$.a')`), so a host can compile them once, with the template.
    public func literalArguments(ofMethods names: Set<String>) -> Set<String> {
        var found: Set<String> = []
        func visit(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .text, .breakLoop, .stop: break
                case .reference(let reference), .escapedReference(let reference, _, _): visit(reference)
                case .set(let target, let value, _): visit(target); visit(value)
                case .conditional(let branches, let otherwise):
                    for (condition, body) in branches { visit(condition); visit(body) }
                    if let otherwise { visit(otherwise) }
                case .foreach(_, let iterable, let body, _): visit(iterable); visit(body)
                case .macroCall(_, let arguments, _): arguments.forEach(visit)
                case .define(_, let body): visit(body)
                }
            }
        }
        func visit(_ reference: Reference) {
            for accessor in reference.accessors {
                switch accessor {
                case .property: break
                case .method(let name, let arguments):
                    if names.contains(name), let first = arguments.first {
                        switch first {
                        case .literal(.string(let text)): found.insert(text)
                        case .interpolated(let parts):
                            // A double-quoted string without references is a literal too.
                            var text = ""
                            for part in parts {
                                guard case .text(let piece) = part else { text = ""; break }
                                text += piece
                            }
                            if !text.isEmpty { found.insert(text) }
                        default: break
                        }
                    }
                    arguments.forEach(visit)
                case .index(let expression): visit(expression)
                }
            }
        }
        func visit(_ expression: Expression) {
            switch expression {
            case .literal: break
            case .interpolated(let nodes): visit(nodes)
            case .reference(let reference): visit(reference)
            case .list(let items): items.forEach(visit)
            case .range(let first, let last): visit(first); visit(last)
            case .map(let pairs): for (key, value) in pairs { visit(key); visit(value) }
            case .not(let inner), .negate(let inner): visit(inner)
            case .binary(_, let left, let right, _): visit(left); visit(right)
            }
        }
        visit(nodes)
        for macro in macros.values { visit(macro.body) }
        return found
    }
}
