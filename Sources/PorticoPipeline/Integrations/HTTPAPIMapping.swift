/// HTTP API parameter mappings (`append:header.x`, `overwrite:querystring.q`, `remove:header.y`,
/// `overwrite:path`, and on responses `overwrite:statuscode`), parsed once per stage. Values are a
/// static text, `$request.header.x` / `.querystring.x` / `.path.x` / `$request.path`,
/// `$response.header.x`, `$context.x`, or `$stageVariables.x` (substituted when compiling).
public struct HTTPAPIMapping: Sendable {
    public enum Operation: String, Sendable { case append, overwrite, remove }

    public enum Target: Sendable, Equatable {
        case header(String)
        case query(String)
        case path
        case statusCode
    }

    public enum Value: Sendable, Equatable {
        case literal(String)
        case requestHeader(String)
        case requestQuery(String)
        case requestPathParameter(String)
        case requestPath
        case responseHeader(String)
        case context(String)
    }

    public let operation: Operation
    public let target: Target
    public let value: Value

    /// `operation:target` and its value; nil with a reason when either is not AWS's syntax.
    public static func parse(_ key: String, _ expression: String, stageVariables: [String: String], response: Bool) -> Result<HTTPAPIMapping, MappingError> {
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let operation = Operation(rawValue: parts[0].lowercased()) else {
            return .failure(MappingError("'\(key)' must be append:, overwrite: or remove: followed by a target"))
        }
        let target: Target
        let spot = parts[1]
        if spot.lowercased().hasPrefix("header."), spot.count > 7 {
            target = .header(String(spot.dropFirst(7)))
        } else if !response, spot.lowercased().hasPrefix("querystring."), spot.count > 12 {
            target = .query(String(spot.dropFirst(12)))
        } else if !response, spot.lowercased() == "path", operation == .overwrite {
            target = .path
        } else if response, spot.lowercased() == "statuscode", operation == .overwrite {
            target = .statusCode
        } else {
            return .failure(MappingError("'\(key)' is not a target API Gateway maps \(response ? "on responses (header.NAME, overwrite:statuscode)" : "on requests (header.NAME, querystring.NAME, overwrite:path)")"))
        }
        guard let value = Self.value(expression, stageVariables: stageVariables, response: response) else {
            return .failure(MappingError("'\(expression)' is not a value API Gateway maps"))
        }
        return .success(HTTPAPIMapping(operation: operation, target: target, value: value))
    }

    public struct MappingError: Error, Sendable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func value(_ expression: String, stageVariables: [String: String], response: Bool) -> Value? {
        var text = expression
        if text.hasPrefix("${"), text.hasSuffix("}") { text = "$" + text.dropFirst(2).dropLast() }
        guard text.hasPrefix("$") else { return .literal(expression) }
        func name(after prefix: String) -> String? {
            guard text.hasPrefix(prefix), text.count > prefix.count else { return nil }
            return String(text.dropFirst(prefix.count))
        }
        if let variable = name(after: "$stageVariables.") { return .literal(stageVariables[variable] ?? "") }
        if let field = name(after: "$context.") { return .context(field) }
        if response {
            if let header = name(after: "$response.header.") { return .responseHeader(header) }
            return nil
        }
        if text == "$request.path" { return .requestPath }
        if let header = name(after: "$request.header.") { return .requestHeader(header) }
        if let query = name(after: "$request.querystring.") { return .requestQuery(query) }
        if let parameter = name(after: "$request.path.") { return .requestPathParameter(parameter) }
        return nil
    }
}

/// An HTTP API integration's response mappings, by the integration status they apply to.
public struct HTTPAPIResponseMappings: Sendable {
    let byStatus: [Int: [HTTPAPIMapping]]

    public var isEmpty: Bool { byStatus.isEmpty }

    public func mappings(for status: Int) -> [HTTPAPIMapping]? { byStatus[status] }

    /// The status and headers after `mappings`: `value` resolves the mapping values.
    public static func apply(
        _ mappings: [HTTPAPIMapping], status: Int, headers: [(name: String, value: String)], value: (HTTPAPIMapping.Value) -> String?
    ) -> (status: Int, headers: [(name: String, value: String)]) {
        var status = status
        var headers = headers
        for mapping in mappings {
            switch mapping.target {
            case .statusCode:
                if let text = value(mapping.value), let code = Int(text), (100...599).contains(code) { status = code }
            case .header(let name):
                if mapping.operation != .append { headers.removeAll { $0.name.lowercased() == name.lowercased() } }
                if mapping.operation != .remove, let text = value(mapping.value) { headers.append((name, text)) }
            case .query, .path:
                break
            }
        }
        return (status, headers)
    }
}
