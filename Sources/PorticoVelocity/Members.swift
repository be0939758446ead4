/// The Java methods and properties templates use on strings, lists and maps (and whatever a host
/// object answers). A method that does not exist yields nil: the reference renders empty.
enum Members {
    static func property(_ name: String, of value: VelocityValue) -> VelocityValue? {
        switch value {
        case .map(let map):
            return map[name]
        case .object(let object):
            return object.property(name)
        case .list(let list):
            // Java bean properties: `$list.empty` is `isEmpty()`, `$list.size` is not a getter.
            return name == "empty" ? .bool(list.items.isEmpty) : nil
        case .string(let text):
            switch name {
            case "empty": return .bool(text.isEmpty)
            case "bytes": return .list(VelocityList(text.utf8.map { .integer(Int(Int8(bitPattern: $0))) }))
            default: return nil
            }
        default:
            return nil
        }
    }

    static func index(_ value: VelocityValue, _ position: VelocityValue) -> VelocityValue? {
        switch (value, position) {
        case (.list(let list), .integer(let index)):
            let resolved = index < 0 ? list.items.count + index : index
            return list.items.indices.contains(resolved) ? list.items[resolved] : nil
        case (.map(let map), _):
            return map[position.rendered]
        case (.object(let object), _):
            return (try? object.call("get", [position])) ?? nil
        default:
            return nil
        }
    }

    static func call(_ name: String, on value: VelocityValue, _ arguments: [VelocityValue]) throws -> VelocityValue? {
        switch value {
        case .string(let text): return try string(name, text, arguments)
        case .list(let list): return self.list(name, list, arguments)
        case .map(let map): return self.map(name, map, arguments)
        case .object(let object): return try object.call(name, arguments)
        case .integer, .decimal, .bool:
            switch name {
            case "toString": return .string(value.rendered)
            case "equals": return .bool(Operators.equal(value, arguments.first))
            case "intValue": return value.number.map { .integer(Int($0)) }
            case "doubleValue": return value.number.map { .decimal($0) }
            default: return nil
            }
        case .null:
            return nil
        }
    }

    static func integer(_ arguments: [VelocityValue], _ position: Int) -> Int? {
        guard arguments.count > position, case .integer(let value) = arguments[position] else { return nil }
        return value
    }

    static func argumentText(_ arguments: [VelocityValue], _ position: Int) -> String? {
        guard arguments.count > position, !arguments[position].isNull else { return nil }
        return arguments[position].rendered
    }

    static func string(_ name: String, _ text: String, _ arguments: [VelocityValue]) throws -> VelocityValue? {
        let characters = Array(text.utf16)
        func utf16(_ range: Range<Int>) -> String { String(decoding: characters[range], as: UTF16.self) }
        switch name {
        case "length": return .integer(characters.count)
        case "isEmpty": return .bool(text.isEmpty)
        case "toString", "intern": return .string(text)
        case "toLowerCase": return .string(text.lowercased())
        case "toUpperCase": return .string(text.uppercased())
        case "trim": return .string(String(text.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }.reversed()))
        case "equals": return .bool(arguments.first.map { if case .string(let other) = $0 { return other == text } else { return false } } ?? false)
        case "equalsIgnoreCase": return .bool(text.lowercased() == argumentText(arguments, 0)?.lowercased())
        case "contains": return .bool(argumentText(arguments, 0).map { $0.isEmpty || text.contains($0) } ?? false)
        case "startsWith": return .bool(argumentText(arguments, 0).map { text.hasPrefix($0) } ?? false)
        case "endsWith": return .bool(argumentText(arguments, 0).map { text.hasSuffix($0) } ?? false)
        case "concat": return .string(text + (argumentText(arguments, 0) ?? ""))
        case "charAt":
            guard let index = integer(arguments, 0), characters.indices.contains(index) else { throw JavaException("String index out of range: \(integer(arguments, 0) ?? -1)") }
            return .string(utf16(index..<index + 1))
        case "indexOf", "lastIndexOf":
            guard let needle = argumentText(arguments, 0) else { return nil }
            let pattern = Array(needle.utf16)
            let candidates = pattern.count <= characters.count ? Array(0...(characters.count - pattern.count)) : []
            let ordered = name == "indexOf" ? candidates : candidates.reversed()
            let from = integer(arguments, 1)
            for start in ordered {
                if let from, name == "indexOf" ? start < from : start > from { continue }
                if Array(characters[start..<start + pattern.count]) == pattern { return .integer(start) }
            }
            return .integer(-1)
        case "substring":
            guard let begin = integer(arguments, 0) else { return nil }
            let end = integer(arguments, 1) ?? characters.count
            guard begin >= 0, end <= characters.count, begin <= end else {
                throw JavaException("begin \(begin), end \(end), length \(characters.count)")
            }
            return .string(utf16(begin..<end))
        case "replace":
            guard let target = argumentText(arguments, 0), let replacement = argumentText(arguments, 1), !target.isEmpty else { return .string(text) }
            return .string(text.replacingAll(target, with: replacement))
        case "replaceAll", "replaceFirst":
            guard let pattern = argumentText(arguments, 0), let replacement = argumentText(arguments, 1) else { return nil }
            let regex = try JavaRegex(pattern)
            return .string(regex.replace(in: text, with: replacement, all: name == "replaceAll"))
        case "matches":
            guard let pattern = argumentText(arguments, 0) else { return nil }
            return .bool(try JavaRegex(pattern).wholeMatch(text))
        case "split":
            guard let pattern = argumentText(arguments, 0) else { return nil }
            let parts = try JavaRegex(pattern).split(text, limit: integer(arguments, 1) ?? 0)
            return .list(VelocityList(parts.map { .string($0) }))
        case "hashCode":
            var hash: Int32 = 0
            for unit in characters { hash = hash &* 31 &+ Int32(unit) }
            return .integer(Int(hash))
        default:
            return nil
        }
    }

    static func list(_ name: String, _ list: VelocityList, _ arguments: [VelocityValue]) -> VelocityValue? {
        switch name {
        case "size": return .integer(list.items.count)
        case "isEmpty": return .bool(list.items.isEmpty)
        case "get":
            guard let index = integer(arguments, 0), list.items.indices.contains(index) else { return nil }
            return list.items[index]
        case "add":
            if arguments.count == 2, let index = integer(arguments, 0), (0...list.items.count).contains(index) {
                list.items.insert(arguments[1], at: index)
                return .null
            }
            list.items.append(arguments.first ?? .null)
            return .bool(true)
        case "set":
            guard let index = integer(arguments, 0), list.items.indices.contains(index), arguments.count == 2 else { return nil }
            let previous = list.items[index]
            list.items[index] = arguments[1]
            return previous
        case "remove":
            if let index = integer(arguments, 0), list.items.indices.contains(index) { return list.items.remove(at: index) }
            if let position = list.items.firstIndex(where: { Operators.equal($0, arguments.first) }) {
                list.items.remove(at: position)
                return .bool(true)
            }
            return .bool(false)
        case "contains": return .bool(list.items.contains { Operators.equal($0, arguments.first) })
        case "indexOf": return .integer(list.items.firstIndex { Operators.equal($0, arguments.first) } ?? -1)
        case "clear":
            list.items.removeAll()
            return .null
        case "addAll":
            if case .list(let other)? = arguments.first { list.items += other.items }
            return .bool(true)
        case "toString": return .string(VelocityValue.list(list).rendered)
        default: return nil
        }
    }

    static func map(_ name: String, _ map: VelocityMap, _ arguments: [VelocityValue]) -> VelocityValue? {
        switch name {
        case "get":
            guard let key = arguments.first else { return nil }
            return map[key.rendered]
        case "put":
            guard arguments.count == 2 else { return nil }
            let key = arguments[0].rendered
            let previous = map[key]
            map[key] = arguments[1]
            return previous ?? .null
        case "containsKey": return .bool(arguments.first.map { map[$0.rendered] != nil } ?? false)
        case "containsValue": return .bool(map.orderedValues.contains { Operators.equal($0, arguments.first) })
        case "remove":
            guard let key = arguments.first?.rendered else { return nil }
            let previous = map[key]
            map[key] = nil
            return previous ?? .null
        case "size": return .integer(map.keys.count)
        case "isEmpty": return .bool(map.keys.isEmpty)
        case "keySet": return .list(VelocityList(map.keys.map { .string($0) }))
        case "values": return .list(VelocityList(map.orderedValues))
        case "entrySet":
            return .list(VelocityList(map.entries.map { .map(VelocityMap([("key", .string($0.key)), ("value", $0.value)])) }))
        case "toString": return .string(VelocityValue.map(map).rendered)
        default: return nil
        }
    }
}

/// A Java exception thrown by a method (an index out of range, a bad regular expression).
public struct JavaException: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) { return index..<self.index(index, offsetBy: target.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
