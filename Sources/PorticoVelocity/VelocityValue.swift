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
        case .map(let map): return "{" + map.entries.map { "\($0.key)=\($0.value.nested)" }.joined(separator: ", ") + "}"
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
    /// Members in insertion order (a `LinkedHashMap`, as JSON providers build them).
    public private(set) var entries: [(key: String, value: VelocityValue)] = []
    /// Positions by key, only for maps too big to search: most JSON objects have a few members,
    /// and hashing every member of every parsed object costs more than scanning them.
    private var positions: [String: Int]?
    private static let indexThreshold = 12

    public init(_ pairs: [(String, VelocityValue)] = []) {
        entries.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// A map of `entries` as a parser read them: a repeated key keeps its first place and its
    /// last value, as `LinkedHashMap.put` does.
    public init(ordered entries: [(key: String, value: VelocityValue)]) {
        if entries.count <= Self.indexThreshold {
            var unique = entries
            var index = 1
            while index < unique.count {
                if let first = unique[..<index].firstIndex(where: { $0.key == unique[index].key }) {
                    unique[first].value = unique[index].value
                    unique.remove(at: index)
                } else {
                    index += 1
                }
            }
            self.entries = unique
        } else {
            for (key, value) in entries { self[key] = value }
        }
    }

    public var count: Int { entries.count }
    public var keys: [String] { entries.map(\.key) }
    public var orderedValues: [VelocityValue] { entries.map(\.value) }

    func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return entries.firstIndex { $0.key == key }
    }

    /// Adds a member known not to be present yet (a parser's fresh object).
    public func append(_ key: String, _ value: VelocityValue) {
        if position(of: key) != nil {
            self[key] = value
            return
        }
        entries.append((key, value))
        if positions != nil {
            positions![key] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            reindex()
        }
    }

    private func reindex() {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() { positions[entry.key] = index }
        self.positions = positions
    }

    public subscript(key: String) -> VelocityValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case (let index?, let value?):
                entries[index].value = value
            case (nil, let value?):
                append(key, value)
            case (let index?, nil):
                entries.remove(at: index)
                if positions != nil { reindex() }
            case (nil, nil):
                break
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
