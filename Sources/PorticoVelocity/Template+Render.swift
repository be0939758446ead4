/// Rendering: a template and its variables in, text out. Variables set by `#set` live in the
/// context for the rest of the rendering (Velocity's one global scope).
extension Template {
    public struct Limits: Sendable {
        /// AWS limits `#foreach` to 1,000 iterations.
        public var maxIterations = 1000
        /// Output larger than this fails the rendering.
        public var maxOutputBytes = 10 * 1024 * 1024
        /// Macro calls nested deeper than this fail.
        public var maxDepth = 100
        public init() {}
    }

    public func render(_ variables: [String: VelocityValue], limits: Limits = Limits()) throws(Template.Error) -> String {
        var renderer = Renderer(macros: macros, variables: variables, limits: limits)
        do {
            try renderer.render(nodes)
        } catch {
            // #stop, and a #break outside a loop, end the rendering quietly.
            if case .failed(let failure) = error { throw failure }
        }
        return renderer.output
    }
}

enum RenderSignal: Error {
    case stopped
    case broke
    case failed(Template.Error)
}

struct Renderer {
    let macros: [String: Macro]
    var variables: [String: VelocityValue]
    /// `#define` blocks: rendered where they are referenced.
    var blocks: [String: [Node]] = [:]
    let limits: Template.Limits
    var output = ""
    var depth = 0

    init(macros: [String: Macro], variables: [String: VelocityValue], limits: Template.Limits) {
        self.macros = macros
        self.variables = variables
        self.limits = limits
    }

    mutating func render(_ nodes: [Node]) throws(RenderSignal) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .reference(let reference):
                if let block = blocks[reference.name], reference.accessors.isEmpty {
                    try render(block)
                } else {
                    output += try value(of: reference)?.rendered ?? ""
                }
            case .escapedReference(let reference, let backslashes, let literal):
                // Velocity 1.7: pairs of backslashes print as one; an odd one escapes the
                // reference. An undefined reference prints as written, backslashes and all.
                if let value = try value(of: reference), !value.isNull {
                    output += String(repeating: "\\", count: backslashes / 2)
                    output += backslashes % 2 == 1 ? literal : value.rendered
                } else {
                    output += String(repeating: "\\", count: backslashes) + literal
                }
            case .set(let target, let expression, let location):
                // Velocity 1.7: a null or undefined right-hand side leaves the target unchanged.
                guard let value = try evaluate(expression), !value.isNull else { continue }
                try assign(value, to: target, at: location)
            case .conditional(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition)?.isTruthy ?? false {
                    try render(body)
                    taken = true
                    break
                }
                if !taken, let otherwise { try render(otherwise) }
            case .foreach(let name, let iterable, let body, let location):
                try loop(name: name, over: evaluate(iterable), body: body, at: location)
            case .breakLoop:
                throw .broke
            case .stop:
                throw .stopped
            case .macroCall(let name, let arguments, let location):
                try callMacro(name, arguments: arguments, at: location)
            case .define(let name, let body):
                blocks[name] = body
            }
            if output.utf8.count > limits.maxOutputBytes {
                throw .failed(Template.Error(message: "the output is over \(limits.maxOutputBytes) bytes", location: Template.Location(line: 1, column: 1)))
            }
        }
    }

    mutating func loop(name: String, over iterable: VelocityValue?, body: [Node], at location: Template.Location) throws(RenderSignal) {
        let items: [VelocityValue]
        switch iterable {
        case .list(let list)?: items = list.items
        case .map(let map)?: items = map.orderedValues
        case nil, .null?: return
        case let other?: items = [other]
        }
        let saved = (variables[name], variables["foreach"], variables["velocityCount"])
        defer {
            variables[name] = saved.0
            variables["foreach"] = saved.1
            variables["velocityCount"] = saved.2
        }
        for (index, item) in items.enumerated() {
            guard index < limits.maxIterations else {
                throw .failed(Template.Error(message: "#foreach is limited to \(limits.maxIterations) iterations", location: location))
            }
            variables[name] = item
            variables["foreach"] = .object(LoopState(index: index, total: items.count))
            variables["velocityCount"] = .integer(index + 1)
            do {
                try render(body)
            } catch .broke {
                break
            }
        }
    }

    mutating func callMacro(_ name: String, arguments: [Expression], at location: Template.Location) throws(RenderSignal) {
        guard let macro = macros[name] else { return }
        guard depth < limits.maxDepth else {
            throw .failed(Template.Error(message: "macros nest deeper than \(limits.maxDepth)", location: location))
        }
        var values: [VelocityValue] = []
        for argument in arguments { values.append(try evaluate(argument) ?? .null) }
        let saved = macro.parameters.map { variables[$0] }
        for (index, parameter) in macro.parameters.enumerated() {
            variables[parameter] = index < values.count ? values[index] : nil
        }
        depth += 1
        defer {
            depth -= 1
            for (index, parameter) in macro.parameters.enumerated() { variables[parameter] = saved[index] }
        }
        try render(macro.body)
    }

    // MARK: References

    /// The reference's value; nil when it, or a step along it, is undefined.
    mutating func value(of reference: Reference) throws(RenderSignal) -> VelocityValue? {
        guard var current = variables[reference.name] else { return nil }
        for accessor in reference.accessors {
            switch accessor {
            case .property(let name):
                guard let next = Members.property(name, of: current) else { return nil }
                current = next
            case .method(let name, let argumentExpressions):
                var arguments: [VelocityValue] = []
                for expression in argumentExpressions { arguments.append(try evaluate(expression) ?? .null) }
                do {
                    guard let next = try Members.call(name, on: current, arguments) else { return nil }
                    current = next
                } catch let error as Template.Error {
                    throw .failed(Template.Error(message: error.message, location: reference.location))
                } catch {
                    throw .failed(Template.Error(message: "\(name)(…) failed: \(error)", location: reference.location))
                }
            case .index(let expression):
                guard let position = try evaluate(expression), let next = Members.index(current, position) else { return nil }
                current = next
            }
        }
        return current
    }

    mutating func assign(_ value: VelocityValue, to target: Reference, at location: Template.Location) throws(RenderSignal) {
        guard let last = target.accessors.last else {
            variables[target.name] = value
            return
        }
        var owner = Reference(name: target.name, accessors: Array(target.accessors.dropLast()), quiet: false, location: location)
        owner.quiet = true
        guard let container = try self.value(of: owner) else { return }
        switch (container, last) {
        case (.map(let map), .property(let key)):
            map[key] = value
        case (.map(let map), .index(let expression)):
            if let key = try evaluate(expression) { map[key.rendered] = value }
        case (.list(let list), .index(let expression)):
            if case .integer(let position)? = try evaluate(expression), list.items.indices.contains(position) { list.items[position] = value }
        default:
            throw .failed(Template.Error(message: "cannot assign to this reference", location: location))
        }
    }

    // MARK: Expressions

    mutating func evaluate(_ expression: Expression) throws(RenderSignal) -> VelocityValue? {
        switch expression {
        case .literal(let value):
            return value
        case .interpolated(let nodes):
            var inner = Renderer(macros: macros, variables: variables, limits: limits)
            inner.blocks = blocks
            inner.depth = depth
            try inner.render(nodes)
            variables = inner.variables
            return .string(inner.output)
        case .reference(let reference):
            if let block = blocks[reference.name], reference.accessors.isEmpty {
                var inner = Renderer(macros: macros, variables: variables, limits: limits)
                inner.blocks = blocks
                try inner.render(block)
                return .string(inner.output)
            }
            return try value(of: reference)
        case .list(let items):
            var values: [VelocityValue] = []
            for item in items { values.append(try evaluate(item) ?? .null) }
            return .list(VelocityList(values))
        case .range(let first, let last):
            guard case .integer(let from)? = try evaluate(first), case .integer(let to)? = try evaluate(last) else { return nil }
            let values = from <= to ? Array(from...to) : Array((to...from).reversed())
            return .list(VelocityList(values.map { .integer($0) }))
        case .map(let pairs):
            let map = VelocityMap()
            for (key, value) in pairs {
                guard let key = try evaluate(key) else { continue }
                map[key.rendered] = try evaluate(value) ?? .null
            }
            return .map(map)
        case .not(let inner):
            return .bool(!(try evaluate(inner)?.isTruthy ?? false))
        case .negate(let inner):
            switch try evaluate(inner) {
            case .integer(let value)?: return .integer(-value)
            case .decimal(let value)?: return .decimal(-value)
            default: return nil
            }
        case .binary(let op, let left, let right, let location):
            // Logic short-circuits, as in Java.
            if op == .and {
                guard try evaluate(left)?.isTruthy ?? false else { return .bool(false) }
                return .bool(try evaluate(right)?.isTruthy ?? false)
            }
            if op == .or {
                if try evaluate(left)?.isTruthy ?? false { return .bool(true) }
                return .bool(try evaluate(right)?.isTruthy ?? false)
            }
            let a = try evaluate(left), b = try evaluate(right)
            return try Operators.apply(op, a, b, at: location)
        }
    }
}

/// Arithmetic and comparisons with Java's rules: integers stay integers (division truncates),
/// a decimal makes the result decimal, `+` with a string concatenates.
enum Operators {
    static func apply(_ op: BinaryOperator, _ a: VelocityValue?, _ b: VelocityValue?, at location: Template.Location) throws(RenderSignal) -> VelocityValue? {
        switch op {
        case .equal: return .bool(equal(a, b))
        case .notEqual: return .bool(!equal(a, b))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let a, let b else { return .bool(false) }
            let order: Int
            if let x = a.number, let y = b.number {
                order = x < y ? -1 : (x > y ? 1 : 0)
            } else if case .string(let x) = a, case .string(let y) = b {
                order = x < y ? -1 : (x > y ? 1 : 0)
            } else {
                return .bool(false)
            }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .plus:
            if case .string(let x)? = a { return .string(x + (b?.nested ?? "null")) }
            if case .string(let y)? = b { return .string((a?.nested ?? "null") + y) }
            return arithmetic(op, a, b)
        default:
            if op == .divide || op == .modulo, let b, b.number == 0 {
                if case .integer = b, case .integer? = a {
                    throw .failed(Template.Error(message: "division by zero", location: location))
                }
            }
            return arithmetic(op, a, b)
        }
    }

    static func arithmetic(_ op: BinaryOperator, _ a: VelocityValue?, _ b: VelocityValue?) -> VelocityValue? {
        if case .integer(let x)? = a, case .integer(let y)? = b {
            switch op {
            case .plus: return .integer(x &+ y)
            case .minus: return .integer(x &- y)
            case .times: return .integer(x &* y)
            case .divide: return .integer(x / y)
            case .modulo: return .integer(x % y)
            default: return nil
            }
        }
        guard let x = a?.number, let y = b?.number else { return nil }
        switch op {
        case .plus: return .decimal(x + y)
        case .minus: return .decimal(x - y)
        case .times: return .decimal(x * y)
        case .divide: return .decimal(x / y)
        case .modulo: return .decimal(x.truncatingRemainder(dividingBy: y))
        default: return nil
        }
    }

    /// Numbers by value, strings by content, anything else by its rendering (Velocity compares the
    /// `toString()` of differing types).
    static func equal(_ a: VelocityValue?, _ b: VelocityValue?) -> Bool {
        let a = a ?? .null, b = b ?? .null
        if a.isNull || b.isNull { return a.isNull && b.isNull }
        if let x = a.number, let y = b.number { return x == y }
        if case .bool(let x) = a, case .bool(let y) = b { return x == y }
        return a.rendered == b.rendered
    }
}

/// `$foreach`: where a loop is (`index`, `count`, `hasNext`, `first`, `last`), as properties or as
/// the getters Velocity also accepts (`$foreach.hasNext()`).
final class LoopState: VelocityObject {
    let index: Int
    let total: Int

    init(index: Int, total: Int) {
        self.index = index
        self.total = total
    }

    func property(_ name: String) -> VelocityValue? {
        switch name {
        case "index": .integer(index)
        case "count": .integer(index + 1)
        case "hasNext": .bool(index + 1 < total)
        case "first": .bool(index == 0)
        case "last": .bool(index + 1 == total)
        default: nil
        }
    }

    func call(_ name: String, _ arguments: [VelocityValue]) throws -> VelocityValue? {
        guard arguments.isEmpty else { return nil }
        switch name {
        case "getIndex": return property("index")
        case "getCount": return property("count")
        case "isFirst": return property("first")
        case "isLast": return property("last")
        default: return property(name)
        }
    }
}
