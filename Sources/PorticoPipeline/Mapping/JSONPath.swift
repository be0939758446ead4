import PorticoModel
import PorticoVelocity

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
    let definite: Bool

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
        self.definite = Self.isDefinite(steps)
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
    public var isDefinite: Bool { definite }

    static func isDefinite(_ steps: [Step]) -> Bool {
        steps.allSatisfy { step in
            switch step {
            case .child, .index: return true
            default: return false
            }
        }
    }

    /// Every value the path selects, in document order.
    public func select(_ root: VelocityValue) -> [VelocityValue] {
        if isDefinite {
            // Members and indexes only: walk down without collecting.
            var value = root
            for step in steps {
                switch step {
                case .child(let name):
                    guard let next = Self.member(name, of: value) else { return [] }
                    value = next
                case .index(let index):
                    guard case .list(let list) = value else { return [] }
                    let resolved = index < 0 ? list.items.count + index : index
                    guard list.items.indices.contains(resolved) else { return [] }
                    value = list.items[resolved]
                default:
                    return Self.apply(step, to: value)
                }
            }
            return [value]
        }
        var current = [root]
        for step in steps {
            var next: [VelocityValue] = []
            for value in current { next += Self.apply(step, to: value) }
            current = next
        }
        return current
    }

    static func member(_ name: String, of value: VelocityValue) -> VelocityValue? {
        if case .map(let map) = value { return map[name] }
        return nil
    }

    static func apply(_ step: Step, to value: VelocityValue) -> [VelocityValue] {
        switch step {
        case .child(let name):
            return member(name, of: value).map { [$0] } ?? []
        case .index(let index):
            guard case .list(let list) = value else { return [] }
            let resolved = index < 0 ? list.items.count + index : index
            return list.items.indices.contains(resolved) ? [list.items[resolved]] : []
        case .union(let steps):
            return steps.flatMap { apply($0, to: value) }
        case .wildcard:
            switch value {
            case .list(let list): return list.items
            case .map(let map): return map.orderedValues
            default: return []
            }
        case .deep(let name):
            var found: [VelocityValue] = []
            func walk(_ node: VelocityValue) {
                switch node {
                case .map(let map):
                    for (key, child) in map.entries {
                        if name == nil || key == name { found.append(child) }
                        walk(child)
                    }
                case .list(let list):
                    for item in list.items {
                        if name == nil { found.append(item) }
                        walk(item)
                    }
                default: break
                }
            }
            walk(value)
            return found
        case .slice(let start, let end):
            guard case .list(let list) = value else { return [] }
            let count = list.items.count
            func resolve(_ bound: Int?, _ fallback: Int) -> Int {
                guard let bound else { return fallback }
                return min(max(bound < 0 ? count + bound : bound, 0), count)
            }
            let from = resolve(start, 0), to = resolve(end, count)
            return from < to ? Array(list.items[from..<to]) : []
        case .filter(let path, let op, let literal):
            guard case .list(let list) = value else { return [] }
            return list.items.filter { item in
                var target: VelocityValue? = item
                for name in path { target = target.flatMap { member(name, of: $0) } }
                guard let target else { return false }
                guard let op, let literal else {
                    if case .bool(false) = target { return false }
                    return !target.isNull
                }
                return compare(target, op, literal)
            }
        }
    }

    static func compare(_ a: VelocityValue, _ op: String, _ b: JSONValue) -> Bool {
        func order<T: Comparable>(_ x: T, _ y: T) -> Bool {
            switch op {
            case "==": return x == y
            case "!=": return x != y
            case "<": return x < y
            case "<=": return x <= y
            case ">": return x > y
            default: return x >= y
            }
        }
        switch (a, b) {
        case (.integer, .number(let y)), (.decimal, .number(let y)):
            return order(a.number!, y)
        case (.string(let x), .string(let y)):
            return order(x, y)
        case (.bool(let x), .bool(let y)):
            return op == "==" ? x == y : (op == "!=" ? x != y : false)
        case (.null, .null):
            return op == "=="
        default:
            return op == "!="
        }
    }
}

extension String {
    func trimmingSpaces() -> String { Substring(self).trimmingSpaces() }
}
