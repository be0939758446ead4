/// API keys, usage plans and throttles for one request, in the order AWS applies them: the key
/// (403), the plan's per-method or per-key throttle (429 `Too Many Requests`), the plan's quota
/// (429 `Limit Exceeded`), the stage's throttle for the method, the account's throttle.
enum TrafficFilter {
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
            if let bucket = binding.methodThrottles.isEmpty ? binding.throttle : binding.methodThrottles[route.routeKey] ?? binding.throttle,
               !bucket.take(now: nowNanos) {
                return .throttled
            }
            if let quota = binding.quota, !quota.take(epochMillis: epochMillis) { return .quotaExceeded }
            binding.usage.add(epochMillis: epochMillis)
        }
        if let bucket = route.throttle, !bucket.take(now: nowNanos) { return .throttled }
        if let account = gateway.accountThrottle, !account.take(now: nowNanos) { return .throttled }
        return nil
    }
}
