import PorticoModel

/// The API keys a gateway knows, by value, each with its usage plans' limits per API stage.
public struct KeyRing: Sendable {
    let byValue: [String: CompiledKey]

    public var isEmpty: Bool { byValue.isEmpty }

    public func key(_ value: String) -> CompiledKey? { byValue[value] }
}

public final class CompiledKey: Sendable {
    public let id: String
    public let name: String
    public let enabled: Bool
    /// By `apiID/stage`: the plan that covers that stage for this key.
    let bindings: [String: KeyBinding]

    init(id: String, name: String, enabled: Bool, bindings: [String: KeyBinding]) {
        self.id = id
        self.name = name
        self.enabled = enabled
        self.bindings = bindings
    }

    func binding(apiID: String, stage: String) -> KeyBinding? { bindings[apiID + "/" + stage] }
}

/// One key under one usage plan on one stage: its own buckets and quota count.
final class KeyBinding: Sendable {
    let planID: String
    /// The plan's throttle for this key.
    let throttle: SharedTokenBucket?
    /// The plan's per-method throttles for this key, by route key.
    let methodThrottles: [String: SharedTokenBucket]
    let quota: QuotaCounter?
    /// Today's requests, for GetUsage and the durable counts.
    let usage: UsageCounter

    init(planID: String, throttle: SharedTokenBucket?, methodThrottles: [String: SharedTokenBucket], quota: QuotaCounter?, usage: UsageCounter) {
        self.usage = usage
        self.planID = planID
        self.throttle = throttle
        self.methodThrottles = methodThrottles
        self.quota = quota
    }
}

/// Where a key is read from (`x-amazon-apigateway-api-key-source`).
public enum APIKeySource: Sendable {
    /// The `x-api-key` header.
    case header
    /// `usageIdentifierKey` of the Lambda authorizer's answer.
    case authorizer
}

/// AWS's method-settings keys: `/pets/GET`, `/pets/*`, `*/GET`, `*/*`; the most specific wins.
enum MethodPattern {
    static func best<Value>(_ patterns: [String: Value], resourcePath: String, method: String) -> Value? {
        let resource = resourcePath.isEmpty ? "/" : resourcePath
        for candidate in ["\(resource)/\(method)", "\(resource)/*", "*/\(method)", "*/*"] {
            if let value = patterns[candidate] { return value }
        }
        return nil
    }
}
