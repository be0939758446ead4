/// The Velocity 1.7 syntax API Gateway uses, parsed from UTF-8 bytes into nodes.
struct Parser {
    let bytes: [UInt8]
    var index = 0
    var macros: [String: Macro] = [:]
    static let blockDirectives: Set<String> = ["if", "elseif", "else", "end", "foreach", "set", "break", "stop", "macro", "define"]

    init(source: String) { bytes = Array(source.utf8) }

    // MARK: Positions and errors

    func location(_ offset: Int) -> Template.Location {
        var line = 1, column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return Template.Location(line: line, column: column)
    }

    func error(_ message: String, at offset: Int? = nil) -> Template.Error {
        Template.Error(message: message, location: location(offset ?? index))
    }

    func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    func starts(with text: String, at offset: Int? = nil) -> Bool {
        let start = offset ?? index
        let pattern = Array(text.utf8)
        guard start + pattern.count <= bytes.count else { return false }
        return Array(bytes[start..<start + pattern.count]) == pattern
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
    }

    static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
    }

    // MARK: Template text

    mutating func parseTemplate() throws(Template.Error) -> [Node] {
        let (nodes, terminator, offset) = try parseNodes(until: [])
        if let terminator { throw error("#\(terminator) without a matching #if, #foreach, #macro or #define", at: offset) }
        return nodes
    }

    /// Nodes up to one of `terminators` (`end`, `else`, `elseif`), which is consumed and returned
    /// (with its offset), or to the end of the template.
    mutating func parseNodes(until terminators: Set<String>) throws(Template.Error) -> ([Node], String?, Int) {
        var nodes: [Node] = []
        var text: [UInt8] = []
        func flush() {
            if !text.isEmpty { nodes.append(.text(String(decoding: text, as: UTF8.self))); text.removeAll() }
        }
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "\\"):
                // Backslashes before a reference: Velocity decides when rendering, by whether the
                // reference is defined (`\$x` is `$x` when it is, `\$x` when it is not).
                var run = index
                while run < bytes.count, bytes[run] == UInt8(ascii: "\\") { run += 1 }
                if run < bytes.count, bytes[run] == UInt8(ascii: "$") {
                    let saved = index
                    index = run
                    if let reference = try parseReference(inString: false) {
                        flush()
                        let literal = String(decoding: bytes[run..<index], as: UTF8.self)
                        nodes.append(.escapedReference(reference, backslashes: run - saved, literal: literal))
                        continue
                    }
                    index = saved
                }
                // `\#directive` is literal; other backslashes are text.
                if let next = peek(1), next == UInt8(ascii: "$") || next == UInt8(ascii: "#") {
                    text.append(next)
                    index += 2
                } else {
                    text.append(byte)
                    index += 1
                }
            case UInt8(ascii: "$"):
                if let reference = try parseReference(inString: false) {
                    flush()
                    nodes.append(.reference(reference))
                } else {
                    text.append(byte)
                    index += 1
                }
            case UInt8(ascii: "#"):
                if starts(with: "##") {
                    while let next = peek(), next != UInt8(ascii: "\n") { _ = next; index += 1 }
                    if peek() == UInt8(ascii: "\n") { index += 1 }
                } else if starts(with: "#*") {
                    let start = index
                    index += 2
                    while index < bytes.count, !starts(with: "*#") { index += 1 }
                    guard index < bytes.count else { throw error("a #* comment is not closed with *#", at: start) }
                    index += 2
                } else if starts(with: "#[[") {
                    let start = index
                    index += 3
                    let contentStart = index
                    while index < bytes.count, !starts(with: "]]#") { index += 1 }
                    guard index < bytes.count else { throw error("a #[[ block is not closed with ]]#", at: start) }
                    text += bytes[contentStart..<index]
                    index += 3
                } else if let directive = directiveName() {
                    if terminators.contains(directive.name) {
                        flush()
                        index = directive.end
                        return (nodes, directive.name, directive.start)
                    }
                    if Self.blockDirectives.contains(directive.name) || macros[directive.name] != nil {
                        // Velocity 1.7's #set token takes the spaces before it when they are not
                        // part of other text (after a reference, a directive, or at the start).
                        if directive.name == "set", !text.isEmpty, text.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                            text.removeAll()
                        }
                        flush()
                        if let node = try parseDirective(directive.name, start: directive.start, after: directive.end) { nodes.append(node) }
                    } else {
                        text.append(byte)
                        index += 1
                    }
                } else {
                    text.append(byte)
                    index += 1
                }
            default:
                text.append(byte)
                index += 1
            }
        }
        flush()
        return (nodes, nil, index)
    }

    /// `#name` or `#{name}` at the current position.
    func directiveName() -> (name: String, start: Int, end: Int)? {
        var position = index + 1
        let braced = position < bytes.count && bytes[position] == UInt8(ascii: "{")
        if braced { position += 1 }
        let nameStart = position
        guard position < bytes.count, Self.isIdentifierStart(bytes[position]) else { return nil }
        while position < bytes.count, Self.isIdentifierStart(bytes[position]) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        let name = String(decoding: bytes[nameStart..<position], as: UTF8.self)
        if braced {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "}") else { return nil }
            position += 1
        }
        return (name, index, position)
    }

    /// After a directive on a line of its own, its newline is not output (Velocity 1.7).
    mutating func gobbleNewline() {
        var position = index
        while position < bytes.count, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: "\n") {
            index = position + 1
        } else if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\r"), bytes[position + 1] == UInt8(ascii: "\n") {
            index = position + 2
        }
    }

    // MARK: Directives

    mutating func parseDirective(_ name: String, start: Int, after: Int) throws(Template.Error) -> Node? {
        index = after
        let location = self.location(start)
        switch name {
        case "set":
            try expect("(", after: "#set")
            skipSpace()
            guard peek() == UInt8(ascii: "$"), let target = try parseReference(inString: false) else { throw error("#set needs a reference to assign, like #set($name = …)") }
            skipSpace()
            try expect("=", after: "the reference in #set")
            let value = try parseExpression()
            skipSpace()
            try expect(")", after: "#set(…")
            gobbleNewline()
            return .set(target, value, location)
        case "if":
            var branches: [(Expression, [Node])] = []
            var condition = try parseCondition("#if")
            gobbleNewline()
            while true {
                let (body, terminator, _) = try parseNodes(until: ["elseif", "else", "end"])
                branches.append((condition, body))
                switch terminator {
                case "elseif":
                    condition = try parseCondition("#elseif")
                    gobbleNewline()
                case "else":
                    gobbleNewline()
                    let (otherwise, end, _) = try parseNodes(until: ["end"])
                    guard end != nil else { throw error("#if has no #end", at: start) }
                    gobbleNewline()
                    return .conditional(branches, otherwise: otherwise)
                case "end":
                    gobbleNewline()
                    return .conditional(branches, otherwise: nil)
                default:
                    throw error("#if has no #end", at: start)
                }
            }
        case "foreach":
            try expect("(", after: "#foreach")
            skipSpace()
            guard peek() == UInt8(ascii: "$"), let variable = try parseReference(inString: false), variable.accessors.isEmpty else {
                throw error("#foreach needs a loop variable, like #foreach($item in $list)")
            }
            skipSpace()
            guard starts(with: "in"), let after = peek(2), after == UInt8(ascii: " ") || after == UInt8(ascii: "$") || after == UInt8(ascii: "[") || after == UInt8(ascii: "\t") else {
                throw error("#foreach needs 'in': #foreach($item in $list)")
            }
            index += 2
            let iterable = try parseExpression()
            skipSpace()
            try expect(")", after: "#foreach(…")
            gobbleNewline()
            let (body, end, _) = try parseNodes(until: ["end"])
            guard end != nil else { throw error("#foreach has no #end", at: start) }
            gobbleNewline()
            return .foreach(variable: variable.name, iterable: iterable, body: body, location: location)
        case "break":
            gobbleNewline()
            return .breakLoop
        case "stop":
            gobbleNewline()
            return .stop
        case "macro":
            try expect("(", after: "#macro")
            skipSpace()
            let nameStart = index
            while let byte = peek(), Self.isIdentifierPart(byte) { index += 1 }
            let macroName = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            guard !macroName.isEmpty else { throw error("#macro needs a name") }
            var parameters: [String] = []
            while true {
                skipSpace()
                if peek() == UInt8(ascii: ",") { index += 1; continue }
                if peek() == UInt8(ascii: ")") { index += 1; break }
                guard peek() == UInt8(ascii: "$"), let parameter = try parseReference(inString: false), parameter.accessors.isEmpty else {
                    throw error("#macro parameters are references, like #macro(name $a $b)")
                }
                parameters.append(parameter.name)
            }
            gobbleNewline()
            // Defined before its body is parsed, so a macro may call itself.
            macros[macroName] = Macro(parameters: parameters, body: [])
            let (body, end, _) = try parseNodes(until: ["end"])
            guard end != nil else { throw error("#macro has no #end", at: start) }
            gobbleNewline()
            macros[macroName] = Macro(parameters: parameters, body: body)
            return nil
        case "define":
            try expect("(", after: "#define")
            skipSpace()
            guard peek() == UInt8(ascii: "$"), let target = try parseReference(inString: false), target.accessors.isEmpty else {
                throw error("#define needs a reference, like #define($block)")
            }
            skipSpace()
            try expect(")", after: "#define(…")
            gobbleNewline()
            let (body, end, _) = try parseNodes(until: ["end"])
            guard end != nil else { throw error("#define has no #end", at: start) }
            gobbleNewline()
            return .define(name: target.name, body: body)
        case "else", "elseif", "end":
            throw error("#\(name) without a matching #if, #foreach, #macro or #define", at: start)
        default:
            // A macro call: arguments separated by spaces or commas.
            var arguments: [Expression] = []
            skipSpace()
            if peek() == UInt8(ascii: "(") {
                index += 1
                while true {
                    skipSpace()
                    if peek() == UInt8(ascii: ",") { index += 1; continue }
                    if peek() == UInt8(ascii: ")") { index += 1; break }
                    guard peek() != nil else { throw error("#\(name)( is not closed") }
                    arguments.append(try parseUnary())
                }
            }
            gobbleNewline()
            return .macroCall(name: name, arguments: arguments, location: location)
        }
    }

    mutating func parseCondition(_ directive: String) throws(Template.Error) -> Expression {
        try expect("(", after: directive)
        let condition = try parseExpression()
        skipSpace()
        try expect(")", after: "\(directive)(…")
        return condition
    }

    mutating func skipSpace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { index += 1 }
    }

    mutating func expect(_ text: String, after what: String) throws(Template.Error) {
        skipSpace()
        guard starts(with: text) else { throw error("expected '\(text)' after \(what)") }
        index += text.utf8.count
    }

    // MARK: References

    /// `$name`, `${name}`, `$!name`, `$!{name}` with `.property`, `.method(…)` and `[index]`; nil
    /// (nothing consumed) when the `$` does not start a reference.
    mutating func parseReference(inString: Bool) throws(Template.Error) -> Reference? {
        let start = index
        var position = index + 1
        var quiet = false
        if position < bytes.count, bytes[position] == UInt8(ascii: "!") { quiet = true; position += 1 }
        var braced = false
        if position < bytes.count, bytes[position] == UInt8(ascii: "{") { braced = true; position += 1 }
        guard position < bytes.count, Self.isIdentifierStart(bytes[position]) else { return nil }
        let nameStart = position
        while position < bytes.count, Self.isIdentifierPart(bytes[position]) { position += 1 }
        // A trailing '-' is text, not part of the name (`$a-` in "$a-$b").
        while position > nameStart + 1, bytes[position - 1] == UInt8(ascii: "-") { position -= 1 }
        index = position
        var reference = Reference(name: String(decoding: bytes[nameStart..<position], as: UTF8.self), accessors: [], quiet: quiet, location: location(start))
        while true {
            if peek() == UInt8(ascii: "."), let next = peek(1), Self.isIdentifierStart(next) {
                index += 1
                let memberStart = index
                // Member names may hold '-' as names do (`$context.responseOverride.header.Retry-After`).
                while let byte = peek(), Self.isIdentifierPart(byte) { index += 1 }
                while index > memberStart + 1, bytes[index - 1] == UInt8(ascii: "-") { index -= 1 }
                let member = String(decoding: bytes[memberStart..<index], as: UTF8.self)
                if peek() == UInt8(ascii: "(") {
                    index += 1
                    var arguments: [Expression] = []
                    while true {
                        skipSpace()
                        if peek() == UInt8(ascii: ")") { index += 1; break }
                        arguments.append(try parseExpression())
                        skipSpace()
                        if peek() == UInt8(ascii: ",") { index += 1; continue }
                        if peek() == UInt8(ascii: ")") { index += 1; break }
                        throw error("expected ',' or ')' in the arguments of \(member)(…)")
                    }
                    reference.accessors.append(.method(member, arguments))
                } else {
                    reference.accessors.append(.property(member))
                }
            } else if peek() == UInt8(ascii: "[") {
                index += 1
                let position = try parseExpression()
                skipSpace()
                try expect("]", after: "an index")
                reference.accessors.append(.index(position))
            } else {
                break
            }
        }
        if braced {
            guard peek() == UInt8(ascii: "}") else { throw error("${ is not closed with }", at: start) }
            index += 1
        }
        return reference
    }

    // MARK: Expressions

    mutating func parseExpression() throws(Template.Error) -> Expression {
        try parseBinary(level: 0)
    }

    static let levels: [[(String, BinaryOperator)]] = [
        [("||", .or), ("or ", .or)],
        [("&&", .and), ("and ", .and)],
        [("==", .equal), ("!=", .notEqual), ("eq ", .equal), ("ne ", .notEqual)],
        [("<=", .lessOrEqual), (">=", .greaterOrEqual), ("<", .less), (">", .greater), ("le ", .lessOrEqual), ("ge ", .greaterOrEqual), ("lt ", .less), ("gt ", .greater)],
        [("+", .plus), ("-", .minus)],
        [("*", .times), ("/", .divide), ("%", .modulo)],
    ]

    mutating func parseBinary(level: Int) throws(Template.Error) -> Expression {
        guard level < Self.levels.count else { return try parseUnary() }
        var left = try parseBinary(level: level + 1)
        while true {
            skipSpace()
            let start = index
            guard let (text, op) = Self.levels[level].first(where: { starts(with: $0.0) }) else { return left }
            index += text.utf8.count
            let right = try parseBinary(level: level + 1)
            left = .binary(op, left, right, location(start))
        }
    }

    mutating func parseUnary() throws(Template.Error) -> Expression {
        skipSpace()
        if peek() == UInt8(ascii: "!"), peek(1) != UInt8(ascii: "=") {
            index += 1
            return .not(try parseUnary())
        }
        if starts(with: "not ") {
            index += 4
            return .not(try parseUnary())
        }
        if peek() == UInt8(ascii: "-"), let next = peek(1), !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) {
            index += 1
            return .negate(try parseUnary())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(Template.Error) -> Expression {
        skipSpace()
        guard let byte = peek() else { throw error("an expression was expected") }
        switch byte {
        case UInt8(ascii: "("):
            index += 1
            let inner = try parseExpression()
            skipSpace()
            try expect(")", after: "a parenthesised expression")
            return inner
        case UInt8(ascii: "$"):
            guard let reference = try parseReference(inString: false) else { throw error("a reference was expected after $") }
            return .reference(reference)
        case UInt8(ascii: "\""):
            return try parseDoubleQuoted()
        case UInt8(ascii: "'"):
            index += 1
            let start = index
            while let next = peek(), next != UInt8(ascii: "'") { _ = next; index += 1 }
            guard peek() == UInt8(ascii: "'") else { throw error("a '…' string is not closed", at: start - 1) }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            index += 1
            return .literal(.string(text))
        case UInt8(ascii: "["):
            index += 1
            skipSpace()
            if peek() == UInt8(ascii: "]") { index += 1; return .list([]) }
            let first = try parseExpression()
            skipSpace()
            if starts(with: "..") {
                index += 2
                let last = try parseExpression()
                skipSpace()
                try expect("]", after: "a range")
                return .range(first, last)
            }
            var items = [first]
            while true {
                skipSpace()
                if peek() == UInt8(ascii: ",") { index += 1; items.append(try parseExpression()); continue }
                try expect("]", after: "a list")
                return .list(items)
            }
        case UInt8(ascii: "{"):
            index += 1
            var pairs: [(Expression, Expression)] = []
            while true {
                skipSpace()
                if peek() == UInt8(ascii: "}") { index += 1; return .map(pairs) }
                let key = try parseExpression()
                skipSpace()
                try expect(":", after: "a map key")
                let value = try parseExpression()
                pairs.append((key, value))
                skipSpace()
                if peek() == UInt8(ascii: ",") { index += 1 }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            if byte == UInt8(ascii: "-") { index += 1 }
            while let next = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) { index += 1 }
            var decimal = false
            if peek() == UInt8(ascii: "."), let next = peek(1), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) {
                decimal = true
                index += 1
                while let next = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if decimal, let value = Double(text) { return .literal(.decimal(value)) }
            if let value = Int(text) { return .literal(.integer(value)) }
            throw error("'\(text)' is not a number", at: start)
        default:
            for (word, value) in [("true", VelocityValue.bool(true)), ("false", .bool(false)), ("null", .null)] where starts(with: word) {
                let end = index + word.utf8.count
                if end >= bytes.count || !Self.isIdentifierPart(bytes[end]) {
                    index = end
                    return .literal(value)
                }
            }
            throw error("unexpected '\(String(decoding: [byte], as: UTF8.self))' in an expression")
        }
    }

    /// `"…"`: references and directives inside are rendered; `\"` is not an escape in Velocity 1.7,
    /// but a doubled `""` stands for one quote.
    mutating func parseDoubleQuoted() throws(Template.Error) -> Expression {
        let open = index
        index += 1
        var content: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("a \"…\" string is not closed", at: open) }
            if byte == UInt8(ascii: "\"") {
                if peek(1) == UInt8(ascii: "\"") { content.append(byte); index += 2; continue }
                index += 1
                break
            }
            content.append(byte)
            index += 1
        }
        guard content.contains(UInt8(ascii: "$")) || content.contains(UInt8(ascii: "#")) else {
            return .literal(.string(String(decoding: content, as: UTF8.self)))
        }
        var inner = Parser(source: String(decoding: content, as: UTF8.self))
        inner.macros = macros
        do {
            let (nodes, _, _) = try inner.parseNodes(until: [])
            return .interpolated(nodes)
        } catch {
            throw self.error("in a string: \(error.message)", at: open)
        }
    }
}
