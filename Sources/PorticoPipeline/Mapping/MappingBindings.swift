import PorticoModel
import PorticoVelocity

/// The request (or integration response) a mapping template reads through `$input`.
public struct MappingInput: Sendable {
    public var body: [UInt8]
    public var pathParameters: [(name: String, value: String)]
    public var queryParameters: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]

    public init(body: [UInt8], pathParameters: [(name: String, value: String)] = [], queryParameters: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
        self.body = body
        self.pathParameters = pathParameters
        self.queryParameters = queryParameters
        self.headers = headers
    }
}

/// API Gateway's template variables: `$input`, `$util`, `$context`, `$stageVariables`.
public enum Mapping {
    public static func variables(input: MappingInput, context: VelocityMap, stageVariables: [String: String]) -> [String: VelocityValue] {
        [
            "input": .object(InputObject(input)),
            "util": .object(UtilObject()),
            "context": .map(context),
            "stageVariables": .map(VelocityMap(stageVariables.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ]
    }

    /// JSON into template values: objects are maps (`JSONValue` keeps no member order, so keys
    /// are sorted), arrays lists, integral numbers integers. Request and response bodies keep
    /// their order: `MappingJSON` parses them.
    public static func velocity(_ json: JSONValue) -> VelocityValue {
        switch json {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .number(let number):
            if number == number.rounded(), abs(number) < 9e15 { return .integer(Int(number)) }
            return .decimal(number)
        case .string(let text): return .string(text)
        case .array(let items): return .list(VelocityList(items.map(velocity)))
        case .object(let members): return .map(VelocityMap(members.keys.sorted().map { ($0, velocity(members[$0]!)) }))
        }
    }
}

/// `$input`: `body`, `json(path)`, `path(path)`, `params()`, `params(name)`.
public final class InputObject: VelocityObject, @unchecked Sendable {
    let input: MappingInput
    private var parsed: VelocityValue??
    /// The template's literal JSONPaths, compiled ahead.
    var paths: JSONPathCache?

    init(_ input: MappingInput) { self.input = input }

    /// The body as JSON, parsed once; an empty body reads as `{}` and a body that is not JSON as null.
    var document: VelocityValue? {
        if let parsed { return parsed }
        let value: VelocityValue? = input.body.isEmpty ? .map(VelocityMap()) : try? MappingJSON.parse(input.body)
        parsed = .some(value)
        return value
    }

    public func property(_ name: String) -> VelocityValue? {
        name == "body" ? .string(String(decoding: input.body, as: UTF8.self)) : nil
    }

    public func call(_ name: String, _ arguments: [VelocityValue]) throws -> VelocityValue? {
        switch name {
        case "json", "path":
            let text = arguments.first?.rendered ?? "$"
            let path = try paths?.paths[text] ?? JSONPath(text)
            guard let document else { return name == "json" ? .string("") : .null }
            let found = path.select(document)
            if name == "json" {
                if found.isEmpty { return .string("") }
                return .string(MappingJSON.serialize(path.isDefinite ? found[0] : .list(VelocityList(found))))
            }
            if path.isDefinite { return found.first ?? .null }
            return .list(VelocityList(found))
        case "params":
            if let wanted = arguments.first?.rendered {
                // Path, then query string, then header, as AWS looks a name up.
                if let value = input.pathParameters.first(where: { $0.name == wanted })?.value { return .string(value) }
                if let value = input.queryParameters.last(where: { $0.name == wanted })?.value { return .string(value) }
                if let value = input.headers.last(where: { $0.name.lowercased() == wanted.lowercased() })?.value { return .string(value) }
                return .string("")
            }
            func map(_ pairs: [(name: String, value: String)]) -> VelocityValue {
                let map = VelocityMap()
                for (name, value) in pairs { map[name] = .string(value) }
                return .map(map)
            }
            return .map(VelocityMap([("path", map(input.pathParameters)), ("querystring", map(input.queryParameters)), ("header", map(input.headers))]))
        case "body":
            return .string(String(decoding: input.body, as: UTF8.self))
        default:
            return nil
        }
    }
}

/// `$util`: `escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`, `base64Encode`, `base64Decode`.
public final class UtilObject: VelocityObject, @unchecked Sendable {
    public func property(_ name: String) -> VelocityValue? { nil }

    public func call(_ name: String, _ arguments: [VelocityValue]) throws -> VelocityValue? {
        let text = arguments.first.map { $0.isNull ? "" : $0.rendered } ?? ""
        switch name {
        case "escapeJavaScript": return .string(Self.escapeJavaScript(text))
        case "parseJson":
            do { return try MappingJSON.parse(Array(text.utf8)) } catch {
                throw JavaException("Unexpected character in the JSON given to $util.parseJson: \(error)")
            }
        case "urlEncode": return .string(Self.urlEncode(text))
        case "urlDecode": return .string(PercentEncoding.decode(Substring(text), plusAsSpace: true) ?? text)
        case "base64Encode": return .string(Base64.encode(Array(text.utf8)))
        case "base64Decode": return .string(String(decoding: Base64.decode(text) ?? [], as: UTF8.self))
        default: return nil
        }
    }

    /// Commons Lang's `escapeJavaScript`, which API Gateway uses: quotes (single too), backslash,
    /// slash, control characters, and everything beyond ASCII as `\uXXXX`.
    static func escapeJavaScript(_ text: String) -> String {
        var out = ""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x27: out += "\\'"
            case 0x5C: out += "\\\\"
            case 0x2F: out += "\\/"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default:
                let hex = String(unit, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }

    /// Java's `URLEncoder.encode(text, "UTF-8")`: space as `+`, `.-*_` and alphanumerics kept.
    static func urlEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

/// A Java exception from a binding (`$util.parseJson` of bad JSON, a bad JSONPath).
public struct JavaException: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
