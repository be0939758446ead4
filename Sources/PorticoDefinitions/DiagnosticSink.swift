import PorticoModel

/// Collects diagnostics while a definition is read, and offers typed field readers that report
/// a wrong type at the field's location instead of throwing.
struct DiagnosticSink {
    var diagnostics: [Diagnostic] = []

    mutating func error(_ message: String, at node: DocumentNode) {
        diagnostics.append(Diagnostic(.error, message, at: node.location))
    }

    mutating func unsupported(_ message: String, at node: DocumentNode) {
        diagnostics.append(Diagnostic(.unsupported, message, at: node.location))
    }

    mutating func warning(_ message: String, at node: DocumentNode) {
        diagnostics.append(Diagnostic(.warning, message, at: node.location))
    }

    mutating func string(_ node: DocumentNode?, _ what: String) -> String? {
        guard let node, !node.isNull else { return nil }
        guard let text = node.scalar else {
            error("\(what) must be a string", at: node)
            return nil
        }
        return text
    }

    mutating func int(_ node: DocumentNode?, _ what: String) -> Int? {
        guard let node, !node.isNull else { return nil }
        guard let text = node.scalar, let value = Int(text) else {
            error("\(what) must be an integer", at: node)
            return nil
        }
        return value
    }

    mutating func double(_ node: DocumentNode?, _ what: String) -> Double? {
        guard let node, !node.isNull else { return nil }
        guard let text = node.scalar, let value = Double(text) else {
            error("\(what) must be a number", at: node)
            return nil
        }
        return value
    }

    mutating func bool(_ node: DocumentNode?, _ what: String) -> Bool? {
        guard let node, !node.isNull else { return nil }
        switch node.scalar?.lowercased() {
        case "true": return true
        case "false": return false
        default:
            error("\(what) must be true or false", at: node)
            return nil
        }
    }

    mutating func mapping(_ node: DocumentNode?, _ what: String) -> [(key: String, value: DocumentNode)]? {
        guard let node, !node.isNull else { return nil }
        guard let members = node.members else {
            error("\(what) must be a mapping", at: node)
            return nil
        }
        return members
    }

    mutating func sequence(_ node: DocumentNode?, _ what: String) -> [DocumentNode]? {
        guard let node, !node.isNull else { return nil }
        guard let items = node.items else {
            error("\(what) must be a list", at: node)
            return nil
        }
        return items
    }

    /// A mapping of strings to strings (stage variables, request parameters, templates).
    mutating func stringMap(_ node: DocumentNode?, _ what: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in mapping(node, what) ?? [] {
            if let text = string(value, "\(what).\(key)") { result[key] = text }
        }
        return result
    }

    /// Reports every key of `members` that is not in `known`; `x-` vendor extensions other than
    /// AWS's are allowed and ignored.
    mutating func checkKeys(
        _ members: [(key: String, value: DocumentNode)], known: Set<String>, in what: String
    ) {
        for (key, value) in members where !known.contains(key) {
            if key.hasPrefix("x-amazon-apigateway-") {
                unsupported("\(key) in \(what) is not implemented yet; it is kept in the model but has no effect", at: value)
            } else if !key.hasPrefix("x-") {
                warning("unknown field '\(key)' in \(what)", at: value)
            }
        }
    }
}
