/// An API key (portico.yaml `apiKeys:`, or CreateApiKey): callers send its value in `x-api-key`.
public struct APIKeyConfig: Sendable, Hashable {
    public var name: String
    /// Nil: Portico generates one when it starts (and logs it).
    public var value: String?
    public var enabled: Bool
    /// A stable id (`requestContext.identity.apiKeyId`, usage records); the name when not given.
    public var id: String

    public init(name: String, value: String? = nil, enabled: Bool = true, id: String? = nil) {
        self.name = name
        self.value = value
        self.enabled = enabled
        self.id = id ?? name
    }
}

/// A usage plan: the API stages it covers, a throttle and a quota per key, and its keys.
public struct UsagePlanConfig: Sendable, Hashable {
    public struct APIStage: Sendable, Hashable {
        /// The API's id or name.
        public var api: String
        public var stage: String
        /// Per-method throttles by `/resource/METHOD` (`*` wildcards allowed).
        public var methodThrottles: [String: Throttling]

        public init(api: String, stage: String, methodThrottles: [String: Throttling] = [:]) {
            self.api = api
            self.stage = stage
            self.methodThrottles = methodThrottles
        }
    }

    public enum QuotaPeriod: String, Sendable, Hashable { case day = "DAY", week = "WEEK", month = "MONTH" }

    public struct QuotaSettings: Sendable, Hashable {
        public var limit: Int
        public var offset: Int
        public var period: QuotaPeriod

        public init(limit: Int, offset: Int = 0, period: QuotaPeriod) {
            self.limit = limit
            self.offset = offset
            self.period = period
        }
    }

    public var name: String
    public var id: String
    public var apiStages: [APIStage]
    public var throttle: Throttling?
    public var quota: QuotaSettings?
    /// The names (or ids) of the keys in the plan.
    public var keys: [String]

    public init(name: String, id: String? = nil, apiStages: [APIStage] = [], throttle: Throttling? = nil, quota: QuotaSettings? = nil, keys: [String] = []) {
        self.name = name
        self.id = id ?? name
        self.apiStages = apiStages
        self.throttle = throttle
        self.quota = quota
        self.keys = keys
    }
}

/// One key's requests under one usage plan on one UTC day (GetUsage's unit, and what is stored).
public struct UsageEntry: Sendable, Hashable {
    public var planID: String
    public var keyID: String
    /// Days since 1970-01-01 (UTC).
    public var day: Int
    public var used: Int

    public init(planID: String, keyID: String, day: Int, used: Int) {
        self.planID = planID
        self.keyID = keyID
        self.day = day
        self.used = used
    }
}

/// A REST stage's response cache (AWS's stage cache cluster and the caching method settings).
public struct StageCache: Sendable, Hashable {
    public struct MethodSettings: Sendable, Hashable {
        public var enabled: Bool?
        public var ttlSeconds: Int?

        public init(enabled: Bool? = nil, ttlSeconds: Int? = nil) {
            self.enabled = enabled
            self.ttlSeconds = ttlSeconds
        }
    }

    /// What happens to `Cache-Control: max-age=0` from a caller not allowed to invalidate.
    public enum UnauthorizedStrategy: String, Sendable, Hashable {
        case failWith403 = "FAIL_WITH_403"
        case succeedWithResponseHeader = "SUCCEED_WITH_RESPONSE_HEADER"
        case succeedWithoutResponseHeader = "SUCCEED_WITHOUT_RESPONSE_HEADER"
    }

    /// Memory for cached responses, in MB (split between the event loops).
    public var capacityMB: Int
    /// Default time to live, 0–3600 s (AWS: 300).
    public var ttlSeconds: Int
    /// Whether invalidating needs authorization (AWS: true; without IAM, no caller has it).
    public var requireAuthorization: Bool
    public var unauthorizedStrategy: UnauthorizedStrategy
    /// Per-method settings by `/resource/METHOD` (`*` wildcards): GET methods are cached unless
    /// disabled here, others only when enabled here.
    public var methods: [String: MethodSettings]

    public init(
        capacityMB: Int = 500, ttlSeconds: Int = 300, requireAuthorization: Bool = true,
        unauthorizedStrategy: UnauthorizedStrategy = .succeedWithResponseHeader, methods: [String: MethodSettings] = [:]
    ) {
        self.capacityMB = capacityMB
        self.ttlSeconds = ttlSeconds
        self.requireAuthorization = requireAuthorization
        self.unauthorizedStrategy = unauthorizedStrategy
        self.methods = methods
    }
}
