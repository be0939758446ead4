import PorticoModel

extension Compiler {
    /// Each key with, per API stage its plans cover, the plan's throttle, per-method throttles and
    /// quota for that key (AWS meters every key on its own).
    func compileKeys(_ config: ProjectConfig, apis: [CompiledAPI]) -> KeyRing {
        guard !config.apiKeys.isEmpty else { return KeyRing(byValue: [:]) }
        var byValue: [String: CompiledKey] = [:]
        for key in config.apiKeys {
            var bindings: [String: KeyBinding] = [:]
            for plan in config.usagePlans where plan.keys.contains(key.name) || plan.keys.contains(key.id) {
                let quota = plan.quota.map {
                    traffic.quota(planID: plan.id, keyID: key.id, Quota(limit: $0.limit, offset: $0.offset, period: Quota.Period(rawValue: $0.period.rawValue) ?? .day))
                }
                let usage = traffic.usage(planID: plan.id, keyID: key.id)
                let throttle = plan.throttle.map { traffic.bucket("key:\(key.id):\(plan.id)", $0) }
                for apiStage in plan.apiStages {
                    guard let api = apis.first(where: { $0.id == apiStage.api || $0.name == apiStage.api }), let stage = api.stages[apiStage.stage] else { continue }
                    var methods: [String: SharedTokenBucket] = [:]
                    if !apiStage.methodThrottles.isEmpty {
                        for route in stage.routeList {
                            if let limits = MethodPattern.best(apiStage.methodThrottles, resourcePath: route.resourcePath, method: route.method) {
                                methods[route.routeKey] = traffic.bucket("key:\(key.id):\(plan.id):\(api.id):\(stage.name):\(route.routeKey)", limits)
                            }
                        }
                    }
                    let identity = api.id + "/" + stage.name
                    // A key may be in one plan per stage, as AWS requires; the first one counts.
                    if bindings[identity] == nil {
                        bindings[identity] = KeyBinding(planID: plan.id, throttle: throttle, methodThrottles: methods, quota: quota, usage: usage)
                    }
                }
            }
            byValue[traffic.value(of: key)] = CompiledKey(id: key.id, name: key.name, enabled: key.enabled, bindings: bindings)
        }
        return KeyRing(byValue: byValue)
    }
}
