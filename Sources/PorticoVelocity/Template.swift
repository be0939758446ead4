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
