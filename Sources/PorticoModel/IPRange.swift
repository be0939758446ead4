/// An IPv4 or IPv6 CIDR block (`10.0.0.0/8`, `2001:db8::/32`, or one address).
public struct IPRange: Sendable, Hashable {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPRange.parse(String(first)) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            prefix = length
        } else {
            prefix = bits
        }
        bytes = address
    }

    /// Whether `address` lies in the block (an IPv4-mapped IPv6 address counts as IPv4).
    public func contains(_ address: String) -> Bool {
        guard var candidate = IPRange.parse(address) else { return false }
        if candidate.count == 16, bytes.count == 4, candidate[0..<10].allSatisfy({ $0 == 0 }), candidate[10] == 0xFF, candidate[11] == 0xFF {
            candidate = Array(candidate[12...])
        }
        guard candidate.count == bytes.count else { return false }
        var remaining = prefix
        for index in bytes.indices where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if candidate[index] & mask != bytes[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// Four bytes for IPv4, sixteen for IPv6; nil when `text` is neither.
    static func parse(_ text: String) -> [UInt8]? {
        if !text.contains(":") {
            let octets = text.split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4 else { return nil }
            var out: [UInt8] = []
            for octet in octets {
                guard !octet.isEmpty, octet.count <= 3, let value = UInt8(octet) else { return nil }
                out.append(value)
            }
            return out
        }
        var text = Substring(text)
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        var tail: [UInt8] = []
        // A trailing dotted IPv4 part (`::ffff:1.2.3.4`).
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parse(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        // Split at the one `::` an address may hold.
        var halves: [String] = [String(text)]
        let utf8 = Array(text.utf8)
        if let at = (0..<max(utf8.count - 1, 0)).first(where: { utf8[$0] == UInt8(ascii: ":") && utf8[$0 + 1] == UInt8(ascii: ":") }) {
            halves = [String(decoding: utf8[..<at], as: UTF8.self), String(decoding: utf8[(at + 2)...], as: UTF8.self)]
            if halves[1].utf8.contains(where: { $0 == UInt8(ascii: ":") }) && halves[1].hasPrefix(":") { return nil }
            if (0..<max(halves[1].utf8.count - 1, 0)).contains(where: { Array(halves[1].utf8)[$0] == UInt8(ascii: ":") && Array(halves[1].utf8)[$0 + 1] == UInt8(ascii: ":") }) { return nil }
        }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var out: [UInt8] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                out += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 {
            let all = head + tail
            return all.count == 16 ? all : nil
        }
        guard let rest = groups(halves[1]) else { return nil }
        let fill = 16 - head.count - rest.count - tail.count
        guard fill >= 2, fill % 2 == 0 else { return nil }
        return head + Array(repeating: 0, count: fill) + rest + tail
    }
}
