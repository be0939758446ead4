import PorticoModel

/// JSONPath as `$input.path` and `$input.json` accept it: `$`, `.name`, `['name']`, `[n]`
/// (negative from the end), `[*]` / `.*`, `..name` (deep scan), `[a,b]`, slices `[start:end]`, and
/// filters `[?(@.field)]` / `[?(@.field OP literal)]` with `== != < <= > >=`.
public struct JSONPath: Sendable {
    enum Step: Sendable {
        case child(String)
        case index(Int)
        case union([Step])
        case wildcard
        case deep(String?)
        case slice(Int?, Int?)
        case filter(path: [String], op: String?, literal: JSONValue?)
    }

    let steps: [Step]

    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws(JSONPath.Error) {
        var characters = [Character](text.trimmingSpaces())[...]
        guard characters.first == "$" else { throw Error(description: "a JSONPath starts with '$': \(text)") }
        characters = characters.dropFirst()
        var steps: [Step] = []
        func name(_ rest: inout ArraySlice<Character>) -> String {
            var out = ""
            while let next = rest.first, next != ".", next != "[" { out.append(next); rest = rest.dropFirst() }
            return out
        }
        while let character = characters.first {
            if character == "." {
                characters = characters.dropFirst()
                if characters.first == "." {
                    characters = characters.dropFirst()
                    if characters.first == "*" { characters = characters.dropFirst(); steps.append(.deep(nil)); continue }
                    if characters.first == "[" { steps.append(.deep(nil)); continue }
                    steps.append(.deep(name(&characters)))
                } else if characters.first == "*" {
                    characters = characters.dropFirst()
                    steps.append(.wildcard)
                } else {
                    let member = name(&characters)
                    guard !member.isEmpty else { throw Error(description: "an empty member name in \(text)") }
                    steps.append(.child(member))
                }
            } else if character == "[" {
                guard let close = Self.closingBracket(characters) else { throw Error(description: "an unclosed '[' in \(text)") }
                let inside = String(characters[characters.index(after: characters.startIndex)..<close]).trimmingSpaces()
                characters = characters[characters.index(after: close)...]
                steps.append(try Self.bracket(inside, in: text))
            } else {
                throw Error(description: "unexpected '\(character)' in \(text)")
            }
        }
        self.steps = steps
    }

    static func closingBracket(_ characters: ArraySlice<Character>) -> ArraySlice<Character>.Index? {
        var quote: Character?
        var depth = 0
        for index in characters.indices {
            let character = characters[index]
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"": quote = character
            case "[", "(": depth += 1
            case "]", ")":
                depth -= 1
                if depth == 0, character == "]" { return index }
            default: break
            }
        }
        return nil
    }

    static func bracket(_ inside: String, in text: String) throws(JSONPath.Error) -> Step {
        if inside == "*" { return .wildcard }
        if inside.hasPrefix("?(") && inside.hasSuffix(")") { return try filter(String(inside.dropFirst(2).dropLast())) }
        let parts = splitTopLevel(inside)
        if parts.count > 1 {
            var steps: [Step] = []
            for part in parts { steps.append(try bracket(part, in: text)) }
            return .union(steps)
        }
        if inside.count >= 2, let first = inside.first, first == "'" || first == "\"", inside.last == first {
            return .child(String(inside.dropFirst().dropLast()))
        }
        if inside.contains(":") {
            let bounds = inside.split(separator: ":", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces()) }
            return .slice(bounds.first ?? nil, bounds.count > 1 ? bounds[1] : nil)
        }
        if let index = Int(inside) { return .index(index) }
        throw Error(description: "cannot read '[\(inside)]' in \(text)")
    }

    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == "," {
                parts.append(current.trimmingSpaces())
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingSpaces())
        return parts
    }

    /// `@.a.b`, `@.a == 'x'`, `@.price < 10`.
    static func filter(_ expression: String) throws(JSONPath.Error) -> Step {
        let trimmed = expression.trimmingSpaces()
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if let range = trimmed.range(of: op) {
                let left = String(trimmed[..<range.lowerBound]).trimmingSpaces()
                let right = String(trimmed[range.upperBound...]).trimmingSpaces()
                guard left.hasPrefix("@") else { throw Error(description: "a filter compares @.field: \(expression)") }
                let path = left.dropFirst().split(separator: ".").map(String.init)
                let literal: JSONValue
                if right.count >= 2, let first = right.first, first == "'" || first == "\"", right.last == first {
                    literal = .string(String(right.dropFirst().dropLast()))
                } else if let parsed = try? JSONValue.parse(right) {
                    literal = parsed
                } else {
                    throw Error(description: "cannot read the value '\(right)' in a filter")
                }
                return .filter(path: path, op: op, literal: literal)
            }
        }
        guard trimmed.hasPrefix("@") else { throw Error(description: "a filter tests @.field: \(expression)") }
        return .filter(path: trimmed.dropFirst().split(separator: ".").map(String.init), op: nil, literal: nil)
    }

    /// Whether the path may select several values (then the result is a list).
    public var isDefinite: Bool {
        steps.allSatisfy { step in
            switch step {
            case .child, .index: return true
            default: return false
            }
        }
    }

    /// Every value the path selects, in document order.
    public func select(_ root: JSONValue) -> [JSONValue] {
        var current = [root]
        for step in steps {
            var next: [JSONValue] = []
            for value in current { next += Self.apply(step, to: value) }
            current = next
        }
        return current
    }

    static func apply(_ step: Step, to value: JSONValue) -> [JSONValue] {
        switch step {
        case .child(let name):
            return value[name].map { [$0] } ?? []
        case .index(let index):
            guard case .array(let items) = value else { return [] }
            let resolved = index < 0 ? items.count + index : index
            return items.indices.contains(resolved) ? [items[resolved]] : []
        case .union(let steps):
            return steps.flatMap { apply($0, to: value) }
        case .wildcard:
            switch value {
            case .array(let items): return items
            case .object(let members): return members.keys.sorted().map { members[$0]! }
            default: return []
            }
        case .deep(let name):
            var found: [JSONValue] = []
            func walk(_ node: JSONValue) {
                switch node {
                case .object(let members):
                    for key in members.keys.sorted() {
                        if name == nil || key == name { found.append(members[key]!) }
                        walk(members[key]!)
                    }
                case .array(let items):
                    for item in items {
                        if name == nil { found.append(item) }
                        walk(item)
                    }
                default: break
                }
            }
            walk(value)
            return found
        case .slice(let start, let end):
            guard case .array(let items) = value else { return [] }
            let count = items.count
            func resolve(_ bound: Int?, _ fallback: Int) -> Int {
                guard let bound else { return fallback }
                return min(max(bound < 0 ? count + bound : bound, 0), count)
            }
            let from = resolve(start, 0), to = resolve(end, count)
            return from < to ? Array(items[from..<to]) : []
        case .filter(let path, let op, let literal):
            guard case .array(let items) = value else { return [] }
            return items.filter { item in
                var target: JSONValue? = item
                for member in path { target = target?[member] }
                guard let target else { return false }
                guard let op, let literal else { return target != .null && target != .bool(false) }
                return compare(target, op, literal)
            }
        }
    }

    static func compare(_ a: JSONValue, _ op: String, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            switch op {
            case "==": return x == y
            case "!=": return x != y
            case "<": return x < y
            case "<=": return x <= y
            case ">": return x > y
            default: return x >= y
            }
        case (.string(let x), .string(let y)):
            switch op {
            case "==": return x == y
            case "!=": return x != y
            case "<": return x < y
            case "<=": return x <= y
            case ">": return x > y
            default: return x >= y
            }
        default:
            return op == "==" ? a == b : (op == "!=" ? a != b : false)
        }
    }
}

extension String {
    func trimmingSpaces() -> String { Substring(self).trimmingSpaces() }
}
