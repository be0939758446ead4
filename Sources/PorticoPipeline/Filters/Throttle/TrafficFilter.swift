/// API keys, usage plans and throttles for one request, in the order AWS applies them: the key
/// (403), the plan's per-method or per-key throttle (429 `Too Many Requests`), the plan's quota
/// (429 `Limit Exceeded`), the stage's throttle for the method, the account's throttle.
public enum TrafficFilter {
    static func admit<Head: RequestHead>(
        route: CompiledRoute, stage: CompiledStage, gateway: CompiledGateway, head: Head, authorization: AuthorizerResult?,
        nowNanos: UInt64, epochMillis: Int64, routed: inout Pipeline.Routed
    ) -> GatewayError? {
        if route.apiKeyRequired {
            let value = stage.apiKeySource == .authorizer ? authorization?.usageIdentifierKey : head.field("x-api-key")
            guard let value, let key = gateway.keys.key(value), key.enabled,
                  let binding = key.binding(apiID: stage.apiID, stage: stage.name) else {
                return .invalidAPIKey
            }
            routed.apiKeyID = key.id
            let bucket = binding.methodThrottles.isEmpty ? binding.throttle : binding.methodThrottles[route.routeKey] ?? binding.throttle
            defer {
                if gateway.rateLimitHeaders { routed.rateLimitFields = rateLimitFields(bucket: bucket, quota: binding.quota, nowNanos: nowNanos, epochMillis: epochMillis) }
            }
            if let bucket, !bucket.take(now: nowNanos) { return .throttled }
            if let quota = binding.quota, !quota.take(epochMillis: epochMillis) { return .quotaExceeded }
            binding.usage.add(epochMillis: epochMillis)
        }
        if let bucket = route.throttle, !bucket.take(now: nowNanos) { return .throttled }
        if let account = gateway.accountThrottle, !account.take(now: nowNanos) { return .throttled }
        return nil
    }

    /// A WebSocket `$connect` that requires an API key: the key (from `apiKeySelectionExpression`,
    /// `x-api-key` by default) in a usage plan of the stage, within its throttle and quota.
    public static func admitKey(_ value: String?, apiID: String, stage: String, gateway: CompiledGateway, nowNanos: UInt64, epochMillis: Int64) -> Result<String, GatewayError> {
        guard let value, let key = gateway.keys.key(value), key.enabled, let binding = key.binding(apiID: apiID, stage: stage) else {
            return .failure(.invalidAPIKey)
        }
        if let bucket = binding.throttle, !bucket.take(now: nowNanos) { return .failure(.throttled) }
        if let quota = binding.quota, !quota.take(epochMillis: epochMillis) { return .failure(.quotaExceeded) }
        binding.usage.add(epochMillis: epochMillis)
        return .success(key.id)
    }

    /// The IETF draft's structured fields (draft-ietf-httpapi-ratelimit-headers): one policy per
    /// limit, `q` units per `w` seconds, and what is left of it (`r`) and when it grows (`t`).
    static func rateLimitFields(bucket: SharedTokenBucket?, quota: QuotaCounter?, nowNanos: UInt64, epochMillis: Int64) -> [(String, String)]? {
        var policies: [String] = []
        var current: [String] = []
        if let bucket {
            let window = bucket.rate > 0 ? max(Int((Double(bucket.burst) / bucket.rate).rounded(.up)), 1) : 1
            policies.append("\"throttle\";q=\(bucket.burst);w=\(window)")
            let wait = bucket.secondsToNextToken(now: nowNanos)
            current.append("\"throttle\";r=\(bucket.remaining(now: nowNanos));t=\(wait == Int.max ? 0 : wait)")
        }
        if let quota {
            policies.append("\"quota\";q=\(quota.quota.limit);w=\(quota.quota.windowSeconds)")
            current.append("\"quota\";r=\(quota.remaining(epochMillis: epochMillis));t=\(quota.quota.secondsToNextPeriod(epochMillis: epochMillis))")
        }
        guard !policies.isEmpty else { return nil }
        return [("RateLimit-Policy", policies.joined(separator: ", ")), ("RateLimit", current.joined(separator: ", "))]
    }
}
