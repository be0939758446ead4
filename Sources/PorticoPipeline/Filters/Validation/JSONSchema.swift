import PorticoModel

/// JSON Schema draft 4, as API Gateway validates request bodies against models: compiled once per
/// deployment, then checked per request. Errors read like the validator AWS uses.
public final class JSONSchema: Sendable {
    let root: JSONValue
    /// Models by name, for `$ref`s (`#/definitions/X`, `#/components/schemas/X`, or a model URL's last part).
    let models: [String: JSONValue]
    let patterns: [String: RegexBox]

    struct RegexBox: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
    }

    public struct CompileError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ schema: JSONValue, models: [String: JSONValue] = [:]) throws(CompileError) {
        root = schema
        self.models = models
        var patterns: [String: RegexBox] = [:]
        func collect(_ value: JSONValue) throws(CompileError) {
            switch value {
            case .object(let members):
                if case .string(let pattern)? = members["pattern"], patterns[pattern] == nil {
                    do { patterns[pattern] = RegexBox(regex: try Regex(pattern)) } catch {
                        throw CompileError(description: "pattern '\(pattern)' is not a valid regular expression")
                    }
                }
                for member in members.values { try collect(member) }
            case .array(let items):
                for item in items { try collect(item) }
            default: break
            }
        }
        try collect(schema)
        for model in models.values { try collect(model) }
        self.patterns = patterns
    }

    /// Every problem with `instance`, empty when it is valid.
    public func validate(_ instance: JSONValue) -> [String] {
        var errors: [String] = []
        check(instance, against: root, path: "", errors: &errors, depth: 0)
        return errors
    }

    func resolve(_ reference: String) -> JSONValue? {
        guard let name = reference.split(separator: "/").last.map(String.init) else { return nil }
        if reference == "#" { return root }
        return models[name]
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let number): return number == number.rounded() && abs(number) < 9e15 ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private func check(_ instance: JSONValue, against schema: JSONValue, path: String, errors: inout [String], depth: Int) {
        guard depth < 64, case .object(let rules) = schema else { return }
        let at = path.isEmpty ? "" : " (at \(path))"
        if case .string(let reference)? = rules["$ref"] {
            if let target = resolve(reference) { check(instance, against: target, path: path, errors: &errors, depth: depth + 1) }
            return
        }
        if let types = rules["type"] {
            let allowed: [String] = types.stringValue.map { [$0] } ?? (types.arrayValue ?? []).compactMap(\.stringValue)
            let actual = Self.typeName(instance)
            let matches = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !matches {
                errors.append("instance type (\(actual)) does not match any allowed primitive type (allowed: [\(allowed.map { "\"\($0)\"" }.joined(separator: ","))])\(at)")
                return
            }
        }
        if case .array(let options)? = rules["enum"], !options.contains(instance) {
            errors.append("instance value (\(instance.serialized)) not found in enum (possible values: [\(options.map(\.serialized).joined(separator: ","))])\(at)")
        }
        for sub in rules["allOf"]?.arrayValue ?? [] { check(instance, against: sub, path: path, errors: &errors, depth: depth + 1) }
        if let options = rules["anyOf"]?.arrayValue {
            let passing = options.filter { option in var probe: [String] = []; check(instance, against: option, path: path, errors: &probe, depth: depth + 1); return probe.isEmpty }
            if passing.isEmpty { errors.append("instance failed to match at least one required schema among \(options.count)\(at)") }
        }
        if let options = rules["oneOf"]?.arrayValue {
            let passing = options.filter { option in var probe: [String] = []; check(instance, against: option, path: path, errors: &probe, depth: depth + 1); return probe.isEmpty }
            if passing.count != 1 { errors.append("instance failed to match exactly one schema (matched \(passing.count) out of \(options.count))\(at)") }
        }
        if let negated = rules["not"] {
            var probe: [String] = []
            check(instance, against: negated, path: path, errors: &probe, depth: depth + 1)
            if probe.isEmpty { errors.append("instance matched a schema which it should not have\(at)") }
        }
        switch instance {
        case .string(let text):
            let length = text.count
            if let minimum = rules["minLength"]?.numberValue, Double(length) < minimum {
                errors.append("string \"\(text)\" is too short (length: \(length), required minimum: \(Int(minimum)))\(at)")
            }
            if let maximum = rules["maxLength"]?.numberValue, Double(length) > maximum {
                errors.append("string \"\(text)\" is too long (length: \(length), maximum allowed: \(Int(maximum)))\(at)")
            }
            if case .string(let pattern)? = rules["pattern"], let box = patterns[pattern], (try? box.regex.firstMatch(in: text)) == nil {
                errors.append("ECMA 262 regex \"\(pattern)\" does not match input string \"\(text)\"\(at)")
            }
        case .number(let number):
            if let minimum = rules["minimum"]?.numberValue {
                let exclusive = rules["exclusiveMinimum"]?.boolValue == true
                if exclusive ? number <= minimum : number < minimum {
                    errors.append("numeric instance is \(exclusive ? "not strictly greater than" : "lower than the required") minimum (minimum: \(JSONValue.format(minimum)), found: \(JSONValue.format(number)))\(at)")
                }
            }
            if let maximum = rules["maximum"]?.numberValue {
                let exclusive = rules["exclusiveMaximum"]?.boolValue == true
                if exclusive ? number >= maximum : number > maximum {
                    errors.append("numeric instance is \(exclusive ? "not strictly lower than" : "greater than the required") maximum (maximum: \(JSONValue.format(maximum)), found: \(JSONValue.format(number)))\(at)")
                }
            }
            if let divisor = rules["multipleOf"]?.numberValue, divisor > 0 {
                let quotient = number / divisor
                if quotient != quotient.rounded() { errors.append("numeric instance is not a multiple of \(JSONValue.format(divisor))\(at)") }
            }
        case .array(let items):
            if let minimum = rules["minItems"]?.numberValue, Double(items.count) < minimum {
                errors.append("array is too short: must have at least \(Int(minimum)) elements but instance has \(items.count) elements\(at)")
            }
            if let maximum = rules["maxItems"]?.numberValue, Double(items.count) > maximum {
                errors.append("array is too long: must have at most \(Int(maximum)) elements but instance has \(items.count) elements\(at)")
            }
            if rules["uniqueItems"]?.boolValue == true, Set(items).count != items.count {
                errors.append("array must not contain duplicate elements\(at)")
            }
            switch rules["items"] {
            case .object?:
                for (index, item) in items.enumerated() { check(item, against: rules["items"]!, path: "\(path)/\(index)", errors: &errors, depth: depth + 1) }
            case .array(let schemas)?:
                for (index, item) in items.enumerated() where index < schemas.count {
                    check(item, against: schemas[index], path: "\(path)/\(index)", errors: &errors, depth: depth + 1)
                }
            default: break
            }
        case .object(let members):
            if let required = rules["required"]?.arrayValue?.compactMap(\.stringValue) {
                let missing = required.filter { members[$0] == nil }.sorted()
                if !missing.isEmpty {
                    errors.append("object has missing required properties ([\(missing.map { "\"\($0)\"" }.joined(separator: ","))])\(at)")
                }
            }
            if let minimum = rules["minProperties"]?.numberValue, Double(members.count) < minimum {
                errors.append("object has too few properties (found \(members.count), required: \(Int(minimum)))\(at)")
            }
            if let maximum = rules["maxProperties"]?.numberValue, Double(members.count) > maximum {
                errors.append("object has too many properties (found \(members.count), maximum allowed: \(Int(maximum)))\(at)")
            }
            let properties = rules["properties"]?.objectValue ?? [:]
            for key in members.keys.sorted() {
                if let property = properties[key] {
                    check(members[key]!, against: property, path: "\(path)/\(key)", errors: &errors, depth: depth + 1)
                } else {
                    switch rules["additionalProperties"] {
                    case .bool(false)?:
                        errors.append("object instance has properties which are not allowed by the schema: [\"\(key)\"]\(at)")
                    case .object?:
                        check(members[key]!, against: rules["additionalProperties"]!, path: "\(path)/\(key)", errors: &errors, depth: depth + 1)
                    default: break
                    }
                }
            }
        default:
            break
        }
    }
}
