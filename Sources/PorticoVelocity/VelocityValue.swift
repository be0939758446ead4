/// A value inside a template, with the Java semantics templates rely on: lists and maps are
/// shared references (`$list.add(…)` changes every reference to it), numbers are integers or
/// decimals, and anything can be rendered as Java's `toString()` would.
public enum VelocityValue: Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case decimal(Double)
    case string(String)
    case list(VelocityList)
    case map(VelocityMap)
    /// A host object (`$input`, `$util`, `$context` …) answering properties and method calls.
    case object(any VelocityObject)

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// `#if` truth: null and false are false, everything else true (Velocity 1.7).
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let flag): return flag
        default: return true
        }
    }

    /// Java's `toString()`; null renders empty, as API Gateway renders a null reference.
    public var rendered: String {
        switch self {
        case .null: return ""
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .decimal(let number): return Self.javaDouble(number)
        case .string(let text): return text
        case .list(let list): return "[" + list.items.map { $0.nested }.joined(separator: ", ") + "]"
        case .map(let map): return "{" + map.keys.map { "\($0)=\(map.values[$0]!.nested)" }.joined(separator: ", ") + "}"
        case .object(let object): return object.rendered
        }
    }

    /// Inside a collection's `toString()`, null is `null`.
    var nested: String { isNull ? "null" : rendered }

    /// `Double.toString`: `1.0`, `0.5`, `1.0E7`, `1.0E-4`.
    static func javaDouble(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e7 {
            var text = "\(value)"
            if !text.contains(".") { text += ".0" }
            return text
        }
        let exponent = Int(floor(log10(magnitude)))
        var mantissa = value / pow(10, Double(exponent))
        var adjusted = exponent
        if abs(mantissa) >= 10 { mantissa /= 10; adjusted += 1 }
        var digits = "\(mantissa)"
        if !digits.contains(".") { digits += ".0" }
        return "\(digits)E\(adjusted)"
    }

    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .decimal(let value): value
        default: nil
        }
    }
}

/// A Java `List` (an `ArrayList`): shared, mutable.
public final class VelocityList: @unchecked Sendable {
    public var items: [VelocityValue]
    public init(_ items: [VelocityValue] = []) { self.items = items }
}

/// A Java `Map` (a `LinkedHashMap`): shared, mutable, keys in insertion order.
public final class VelocityMap: @unchecked Sendable {
    public private(set) var keys: [String] = []
    public private(set) var values: [String: VelocityValue] = [:]

    public init(_ pairs: [(String, VelocityValue)] = []) {
        for (key, value) in pairs { self[key] = value }
    }

    public subscript(key: String) -> VelocityValue? {
        get { values[key] }
        set {
            if let newValue {
                if values[key] == nil { keys.append(key) }
                values[key] = newValue
            } else if values[key] != nil {
                keys.removeAll { $0 == key }
                values[key] = nil
            }
        }
    }
}

/// What the template engine may ask of a host object. AWS's bindings (`$input`, `$util`,
/// `$context`) implement it; the engine knows nothing of AWS.
public protocol VelocityObject: AnyObject, Sendable {
    /// `$object.name`; nil when there is no such property (renders empty).
    func property(_ name: String) -> VelocityValue?
    /// `$object.name(arguments)`; nil when there is no such method.
    func call(_ name: String, _ arguments: [VelocityValue]) throws -> VelocityValue?
    /// The object in output (`$object`).
    var rendered: String { get }
}

extension VelocityObject {
    public var rendered: String { "" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
