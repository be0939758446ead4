import PorticoModel
import Synchronization

/// A stage's WAF-style rules, compiled: evaluated in order before anything else, as AWS WAF
/// evaluates a web ACL in front of API Gateway. The first `block` or `allow` decides; `count` rules
/// only count; otherwise the default action applies. Only stages with rules pay for it.
public final class CompiledWAF: Sendable {
    struct Rule: Sendable {
        enum Check: Sendable {
            case ipSet([IPRange], negated: Bool)
            case rate(RateCounter, limit: Int)
            case size(WAFRule.Field, comparison: String, size: Int)
            case sqlInjection([WAFRule.Field], [WAFRule.Transformation])
            case crossSiteScripting([WAFRule.Field], [WAFRule.Transformation])
        }

        let name: String
        let action: WAFConfig.Action
        let check: Check
    }

    public enum Verdict: Sendable, Equatable {
        /// Go on; `counted` names the count rules that matched.
        case pass(counted: [String])
        /// Refused by `rule` (nil: the default action), after `counted`.
        case block(rule: String?, counted: [String])
        /// A rule inspects the body: collect it, then evaluate again.
        case needsBody
    }

    let rules: [Rule]
    let defaultAction: WAFConfig.Action
    /// Whether a rule reads the body (then bodies are collected before the request goes on).
    let inspectsBody: Bool
    /// AWS WAF inspects the first 8 KB of a body sent to API Gateway.
    static let bodyInspectionLimit = 8 * 1024

    /// `counter` gives a rate-based rule its counter (by rule name and window), shared by the
    /// gateways compiled from the same definitions.
    init(_ config: WAFConfig, counter: (String, Int) -> RateCounter = { RateCounter(windowSeconds: $1) }) {
        rules = config.rules.map { rule in
            let check: Rule.Check = switch rule.statement {
            case .ipSet(let addresses, let negated): .ipSet(addresses.compactMap(IPRange.init), negated: negated)
            case .rateBased(let limit, let window): .rate(counter(rule.name, window), limit: limit)
            case .sizeConstraint(let field, let comparison, let size): .size(field, comparison: comparison, size: size)
            case .sqlInjection(let fields, let transformations): .sqlInjection(fields, transformations)
            case .crossSiteScripting(let fields, let transformations): .crossSiteScripting(fields, transformations)
            }
            return Rule(name: rule.name, action: rule.action, check: check)
        }
        defaultAction = config.defaultAction
        inspectsBody = config.rules.contains { rule in
            switch rule.statement {
            case .sizeConstraint(let field, _, _): return field == .body
            case .sqlInjection(let fields, _), .crossSiteScripting(let fields, _): return fields.contains(.body)
            case .ipSet, .rateBased: return false
            }
        }
    }

    /// `body` is nil while a body is still to come.
    func evaluate<Head: RequestHead>(head: Head, path: Substring, query: Substring, body: [UInt8]?, sourceIP: String, nowSeconds: Int64) -> Verdict {
        if inspectsBody && body == nil { return .needsBody }
        var counted: [String] = []
        for rule in rules where matches(rule.check, head: head, path: path, query: query, body: body ?? [], sourceIP: sourceIP, nowSeconds: nowSeconds) {
            switch rule.action {
            case .block: return .block(rule: rule.name, counted: counted)
            case .allow: return .pass(counted: counted)
            case .count: counted.append(rule.name)
            }
        }
        return defaultAction == .block ? .block(rule: nil, counted: counted) : .pass(counted: counted)
    }

    private func matches<Head: RequestHead>(
        _ check: Rule.Check, head: Head, path: Substring, query: Substring, body: [UInt8], sourceIP: String, nowSeconds: Int64
    ) -> Bool {
        switch check {
        case .ipSet(let ranges, let negated):
            return ranges.contains { $0.contains(sourceIP) } != negated
        case .rate(let counter, let limit):
            return counter.record(sourceIP, nowSeconds: nowSeconds) > limit
        case .size(let field, let comparison, let size):
            let actual = values(field, head: head, path: path, query: query, body: body, limited: false).reduce(0) { $0 + $1.count }
            switch comparison {
            case "EQ": return actual == size
            case "NE": return actual != size
            case "LE": return actual <= size
            case "LT": return actual < size
            case "GE": return actual >= size
            default: return actual > size
            }
        case .sqlInjection(let fields, let transformations):
            return fields.contains { field in
                values(field, head: head, path: path, query: query, body: body, limited: true).contains { WAFSignatures.isSQLInjection(WAFSignatures.transform($0, transformations)) }
            }
        case .crossSiteScripting(let fields, let transformations):
            return fields.contains { field in
                values(field, head: head, path: path, query: query, body: body, limited: true).contains { WAFSignatures.isCrossSiteScripting(WAFSignatures.transform($0, transformations)) }
            }
        }
    }

    /// The raw bytes of a field (each header value on its own for `headers`).
    private func values<Head: RequestHead>(_ field: WAFRule.Field, head: Head, path: Substring, query: Substring, body: [UInt8], limited: Bool) -> [[UInt8]] {
        switch field {
        case .uri: return [Array(path.utf8)]
        case .query: return [Array(query.utf8)]
        case .body: return [limited ? Array(body.prefix(Self.bodyInspectionLimit)) : body]
        case .header(let name): return head.field(named: name).map { [Array($0.utf8)] } ?? []
        case .allHeaders:
            var out: [[UInt8]] = []
            head.forEachField { _, value in out.append(Array(value)) }
            return out
        }
    }
}

/// Requests per client IP over a trailing window, in ten slots (a 300 s window counts in 30 s
/// slots), shared by the event loops behind a lock that only rate-based rules touch. Bounded: at
/// most `maxClients` addresses are tracked; idle ones are dropped first.
final class RateCounter: Sendable {
    struct Window {
        var slots = [Int](repeating: 0, count: 10)
        var slotStarts = [Int64](repeating: -1, count: 10)
        var lastSeen: Int64 = 0
    }

    let windowSeconds: Int
    let maxClients = 100_000
    private let clients = Mutex<[String: Window]>([:])

    init(windowSeconds: Int) { self.windowSeconds = windowSeconds }

    /// Counts one request from `ip` and returns the requests in the window, this one included.
    func record(_ ip: String, nowSeconds: Int64) -> Int {
        let slotSeconds = Int64(windowSeconds / 10)
        let slotStart = nowSeconds - nowSeconds % slotSeconds
        let index = Int((nowSeconds / slotSeconds) % 10)
        let oldest = nowSeconds - Int64(windowSeconds)
        return clients.withLock { clients in
            if clients.count >= maxClients, clients[ip] == nil {
                clients = clients.filter { $0.value.lastSeen > oldest }
                if clients.count >= maxClients { clients.removeAll() }
            }
            var window = clients[ip] ?? Window()
            if window.slotStarts[index] != slotStart {
                window.slotStarts[index] = slotStart
                window.slots[index] = 0
            }
            window.slots[index] += 1
            window.lastSeen = nowSeconds
            clients[ip] = window
            var total = 0
            for slot in 0..<10 where window.slotStarts[slot] > oldest { total += window.slots[slot] }
            return total
        }
    }
}
