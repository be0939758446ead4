import Foundation
import PorticoModel

/// AWS's `patchOperations` (`op`, `path`, `value`, `from`) applied to a JSON object. Values arrive
/// as strings; they become booleans or numbers where the field holds one (or is declared so).
struct PatchOperations: Sendable {
    struct Operation: Sendable {
        var op: String
        var path: [String]
        /// The path as sent, escapes kept (method setting keys keep `~1`, as AWS shows them).
        var rawPath: String
        var value: String?
        var from: String?
    }

    var operations: [Operation]

    init(_ body: JSONObject) throws {
        operations = try (body["patchOperations"]?.arrayValue ?? []).map { item throws in
            guard let op = item["op"]?.stringValue else { throw ManagementError.badRequest("Invalid patch operation specified. Must be one of: [add, remove, move, test, replace, copy]") }
            guard ["add", "remove", "replace", "move", "copy", "test"].contains(op) else {
                throw ManagementError.validation("Member must satisfy enum value set: [add, remove, move, test, replace, copy]")
            }
            let path = item["path"]?.stringValue ?? ""
            return Operation(op: op, path: Self.split(path), rawPath: path, value: Self.text(item["value"]), from: item["from"]?.stringValue)
        }
    }

    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): JSONValue.format(number)
        default: nil
        }
    }

    /// `/a/b~1c` → `["a", "b/c"]` (JSON Pointer escapes).
    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// Applies every operation to `object`. `booleans` and `numbers` name fields whose string
    /// values convert; `readOnly` names fields a patch may not change.
    /// `arrays` names list fields: `replace` sets the list to the one value, `add` appends, `remove` of
    /// `/field/value` removes that value.
    func apply(to object: inout JSONObject, booleans: Set<String> = [], numbers: Set<String> = [], arrays: Set<String> = [], readOnly: Set<String> = ["id", "createdDate"]) throws {
        for operation in operations {
            guard let first = operation.path.first, !first.isEmpty else {
                throw ManagementError.badRequest("Invalid patch path '\(operation.path.joined(separator: "/"))'")
            }
            if readOnly.contains(first) {
                throw ManagementError.badRequest("Invalid patch path /\(first)")
            }
            try Self.apply(operation, path: operation.path[...], to: &object, booleans: booleans, numbers: numbers, arrays: arrays)
        }
    }

    private static func apply(_ operation: Operation, path: ArraySlice<String>, to object: inout JSONObject, booleans: Set<String>, numbers: Set<String>, arrays: Set<String>) throws {
        let key = path.first!
        let rest = path.dropFirst()
        if arrays.contains(key), object[key] == nil, operation.op != "remove" { object[key] = [] }
        if rest.isEmpty {
            let isArray = object[key]?.arrayValue != nil
            switch operation.op {
            case "remove" where isArray && operation.value != nil:
                object[key] = .array(object[key]!.arrayValue!.filter { $0.stringValue != operation.value })
            case "remove":
                object[key] = nil
            case "add" where isArray:
                var items = object[key]!.arrayValue!
                if let value = operation.value { items.append(.string(value)) }
                object[key] = .array(items)
            case "replace" where isArray:
                object[key] = .array(operation.value.map { [.string($0)] } ?? [])
            case "add", "replace":
                object[key] = convert(operation.value, field: key, existing: object[key], booleans: booleans, numbers: numbers)
            case "copy", "move":
                guard let from = operation.from else { throw ManagementError.badRequest("A 'from' path is required for \(operation.op)") }
                let source = split(from)
                guard let name = source.first, let value = object[name] else { throw ManagementError.badRequest("Invalid 'from' path \(from)") }
                object[key] = value
                if operation.op == "move" { object[name] = nil }
            default:
                break
            }
            return
        }
        switch object[key] {
        case .array(var items):
            // `/binaryMediaTypes/image~1png` names an element by value.
            let element = rest.joined(separator: "/")
            switch operation.op {
            case "add": items.append(.string(element))
            case "remove": items.removeAll { $0.stringValue == element }
            case "replace":
                if let index = items.firstIndex(where: { $0.stringValue == element }) {
                    items[index] = .string(operation.value ?? "")
                } else if let index = Int(element), items.indices.contains(index) {
                    items[index] = .string(operation.value ?? "")
                } else {
                    items.append(.string(operation.value ?? ""))
                }
            default: break
            }
            object[key] = .array(items)
        case .object(var members):
            try apply(operation, path: rest, to: &members, booleans: booleans, numbers: numbers, arrays: arrays)
            object[key] = .object(members)
        default:
            guard operation.op != "remove" else { return }
            var members: JSONObject = [:]
            try apply(operation, path: rest, to: &members, booleans: booleans, numbers: numbers, arrays: arrays)
            object[key] = .object(members)
        }
    }

    private static func convert(_ value: String?, field: String, existing: JSONValue?, booleans: Set<String>, numbers: Set<String>) -> JSONValue {
        guard let value else { return .null }
        if booleans.contains(field) || existing?.boolValue != nil {
            if value.lowercased() == "true" { return .bool(true) }
            if value.lowercased() == "false" { return .bool(false) }
        }
        if numbers.contains(field) || existing?.numberValue != nil, let number = Double(value) {
            return .number(number)
        }
        return .string(value)
    }
}
