import PorticoModel

/// Everything the data plane needs, compiled once per deployment and never changed: requests in
/// flight keep the snapshot they started with while a reload swaps in a new one.
public final class CompiledGateway: Sendable {
    public let apis: [CompiledAPI]
    public let limits: Limits
    public let accessLog: AccessLogConfig
    private let apisByID: [String: CompiledAPI]
    /// Stage names reachable as the first path segment (`/prod/…`), first API in file order wins.
    private let stagesByName: [String: CompiledStage]
    /// The first HTTP API's `$default` stage, served at the root.
    private let rootStage: CompiledStage?
    private let hasRESTAPI: Bool
    /// Custom domains by lower-case host name; mappings longest base path first.
    private let domains: [String: [CompiledMapping]]
    /// Certificates of custom domains by lower-case host name, for SNI on TLS listeners.
    public let domainCertificates: [String: CustomDomain.Certificate]
    /// Truststores of custom domains with mutual TLS, by lower-case host name.
    public let domainTruststores: [String: String]
    /// The account-level throttle every request passes.
    public let accountThrottle: SharedTokenBucket?
    /// API keys with their usage plans.
    public let keys: KeyRing
    /// Answer metered requests with `RateLimit` / `RateLimit-Policy`.
    public let rateLimitHeaders: Bool
    /// IAM credentials by access key id, for `AWS_IAM` methods, and their derived signing keys.
    public let iamCredentials: [String: IAMCredential]
    public let signingKeys = SigningKeyCache()
    /// Where token issuers' keys come from, by issuer, when not from discovery.
    public let jwksSources: [String: JWKSSource]
    /// Compiles the same definitions again (sharing throttles, quotas and WAF counters).
    private let replicator: (@Sendable () -> CompiledGateway?)?

    /// An equal gateway for another event loop. A request retains and releases a dozen of the
    /// gateway's objects (stage, route, plan, route-table nodes); with one gateway shared by all
    /// loops, those reference counts bounce between the cores' caches on every request. With one
    /// replica per loop they stay in one core's cache. Throttle buckets, quota counters and WAF
    /// rate counters are shared by the replicas (`TrafficRegistry`), so limits stay global.
    public func replica() -> CompiledGateway {
        replicator?() ?? self
    }

    struct CompiledMapping: Sendable {
        var basePath: String
        var api: CompiledAPI
        var stage: CompiledStage?
    }

    init(
        apis: [CompiledAPI], domains: [CustomDomain] = [], limits: Limits, accessLog: AccessLogConfig,
        accountThrottle: SharedTokenBucket? = nil, keys: KeyRing = KeyRing(byValue: [:]), rateLimitHeaders: Bool = false,
        iamCredentials: [IAMCredential] = [], jwksSources: [JWKSSource] = [], replicator: (@Sendable () -> CompiledGateway?)? = nil
    ) {
        self.replicator = replicator
        self.iamCredentials = Dictionary(iamCredentials.map { ($0.accessKeyID, $0) }, uniquingKeysWith: { first, _ in first })
        self.jwksSources = Dictionary(jwksSources.map { ($0.issuer, $0) }, uniquingKeysWith: { first, _ in first })
        self.rateLimitHeaders = rateLimitHeaders
        self.accountThrottle = accountThrottle
        self.keys = keys
        self.apis = apis
        self.limits = limits
        self.accessLog = accessLog
        self.apisByID = Dictionary(apis.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var byName: [String: CompiledStage] = [:]
        for api in apis {
            for stage in api.stageList where stage.name != "$default" && byName[stage.name] == nil {
                byName[stage.name] = stage
            }
        }
        self.stagesByName = byName
        self.rootStage = apis.lazy.compactMap(\.defaultStage).first
        self.hasRESTAPI = apis.contains { $0.type == .rest }
        var byHost: [String: [CompiledMapping]] = [:]
        let apisByID = self.apisByID
        for domain in domains {
            let mappings = domain.mappings.compactMap { mapping -> CompiledMapping? in
                guard let api = apisByID[mapping.apiID] else { return nil }
                let stage = mapping.stage.flatMap { api.stages[$0] }
                if mapping.stage != nil, stage == nil { return nil }
                return CompiledMapping(basePath: mapping.basePath, api: api, stage: stage)
            }
            byHost[domain.name.lowercased()] = mappings.sorted { $0.basePath.count > $1.basePath.count }
        }
        self.domains = byHost
        var certificates: [String: CustomDomain.Certificate] = [:]
        for domain in domains { if let certificate = domain.certificate { certificates[domain.name.lowercased()] = certificate } }
        self.domainCertificates = certificates
        var truststores: [String: String] = [:]
        for domain in domains { if let pem = domain.truststorePEM { truststores[domain.name.lowercased()] = pem } }
        self.domainTruststores = truststores
    }

    public enum Resolution: Sendable {
        /// The stage that serves the request, and the request's path within the API.
        case stage(CompiledStage, path: Substring)
        /// No API or stage; the error to answer depends on the API type that was addressed.
        case notFound(APIType)
    }

    /// Finds the stage for a request: by Host `{apiId}.execute-api.…`, by
    /// `/restapis/{apiId}/{stage}/_user_request_/…`, by a first path segment naming a stage, or the
    /// `$default` stage of an HTTP API at the root.
    public func resolve(host: Substring?, path: Substring) -> Resolution {
        if !domains.isEmpty, let host, let mappings = domains[Self.hostName(host)] {
            return resolve(mappings: mappings, path: path)
        }
        if let host, let id = Self.executeAPIID(host) {
            guard let api = apisByID[String(id)] else { return .notFound(hasRESTAPI ? .rest : .http) }
            return api.resolve(path: path)
        }
        if Self.startsWith(path, "/restapis/") {
            let parts = path.dropFirst("/restapis/".count).split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            if parts.count >= 3, parts[2] == "_user_request_", let api = apisByID[String(parts[0])] {
                guard let stage = api.stages[String(parts[1])] else { return .notFound(api.type) }
                let rest = parts.count == 4 ? path[path.index(before: parts[3].startIndex)...] : "/"
                return .stage(stage, path: rest)
            }
        }
        let first = Self.firstSegment(path)
        if let stage = stagesByName[String(first)] {
            return .stage(stage, path: Self.afterFirstSegment(path))
        }
        if let rootStage { return .stage(rootStage, path: path) }
        return .notFound(hasRESTAPI ? .rest : .http)
    }

    public func api(id: String) -> CompiledAPI? { apisByID[id] }

    /// A custom domain: the longest base path that prefixes the path (whole segments) picks the
    /// mapping; without a stage in the mapping, the next segment names it.
    private func resolve(mappings: [CompiledMapping], path: Substring) -> Resolution {
        for mapping in mappings {
            var rest = path
            if !mapping.basePath.isEmpty {
                let prefix = "/" + mapping.basePath
                guard path.hasPrefix(prefix) else { continue }
                rest = path.dropFirst(prefix.count)
                guard rest.isEmpty || rest.hasPrefix("/") else { continue }
                if rest.isEmpty { rest = "/" }
            }
            if let stage = mapping.stage { return .stage(stage, path: rest) }
            let name = Self.firstSegment(rest)
            guard let stage = mapping.api.stages[String(name)] else { return .notFound(mapping.api.type) }
            return .stage(stage, path: Self.afterFirstSegment(rest))
        }
        return .notFound(mappings.first?.api.type ?? .rest)
    }

    /// `Api.Example.com:8443` → `api.example.com`.
    static func hostName(_ host: Substring) -> String {
        let name = host.utf8.firstIndex(of: UInt8(ascii: ":")).map { host[..<$0] } ?? host
        return name.lowercased()
    }

    /// `abc123.execute-api.localhost:8080` → `abc123`.
    public static func executeAPIID(_ host: Substring) -> Substring? {
        guard let dot = host.utf8.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let rest = host[dot...]
        guard Self.startsWith(rest, ".execute-api.") else { return nil }
        return host[..<dot]
    }

    /// A byte-wise prefix test: `String.hasPrefix` compares canonically equivalent characters,
    /// which costs more than the whole route match for these ASCII prefixes.
    static func startsWith(_ text: Substring, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard text.utf8.count >= count else { return false }
        return prefix.withUTF8Buffer { prefix in text.utf8.prefix(count).elementsEqual(prefix) }
    }

    /// `/prod/pets` → `prod` (scanned as UTF-8 bytes, not `Character`s).
    static func firstSegment(_ path: Substring) -> Substring {
        let utf8 = path.utf8
        let start = utf8.firstIndex { $0 != UInt8(ascii: "/") } ?? path.endIndex
        let end = utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex
        return path[start..<end]
    }

    /// `/prod/pets` → `/pets`; `/prod` → `/`.
    static func afterFirstSegment(_ path: Substring) -> Substring {
        let utf8 = path.utf8
        guard let first = utf8.first, first == UInt8(ascii: "/") else { return "/" }
        let body = utf8.index(after: path.startIndex)
        guard let slash = utf8[body...].firstIndex(of: UInt8(ascii: "/")) else { return "/" }
        return path[slash...]
    }
}

/// One API and its compiled stages.
public final class CompiledAPI: Sendable {
    public let id: String
    public let name: String
    public let type: APIType
    public let stages: [String: CompiledStage]
    public let stageList: [CompiledStage]
    public let defaultStage: CompiledStage?

    init(id: String, name: String, type: APIType, stages: [CompiledStage]) {
        self.id = id
        self.name = name
        self.type = type
        self.stageList = stages
        self.stages = Dictionary(stages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaultStage = stages.first { $0.name == "$default" }
    }

    func resolve(path: Substring) -> CompiledGateway.Resolution {
        let first = CompiledGateway.firstSegment(path)
        if let stage = stages[String(first)], stage.name != "$default" {
            return .stage(stage, path: CompiledGateway.afterFirstSegment(path))
        }
        if let defaultStage { return .stage(defaultStage, path: path) }
        return .notFound(type)
    }
}

/// One stage of one API: its variables and its route table.
public final class CompiledStage: Sendable {
    public let apiID: String
    public let apiName: String
    public let apiType: APIType
    public let name: String
    public let variables: [String: String]
    public let routes: RouteTable
    /// Every route, in definition order, for `portico routes`.
    public let routeList: [CompiledRoute]
    /// The canary deployment's stage and the share of requests it serves (0–1).
    public let canary: CompiledStage?
    public let canaryShare: Double
    /// This is a canary stage (for `$context.isCanaryRequest`).
    public let isCanary: Bool
    /// The API's customised gateway responses, if any.
    public let gatewayResponses: CustomGatewayResponses?
    /// Where API keys are read from.
    public let apiKeySource: APIKeySource
    /// HTTP APIs: the CORS configuration the gateway applies.
    public let cors: CompiledCORS?
    /// REST APIs: the resource policy (`x-amazon-apigateway-policy`).
    public let resourcePolicy: PolicyDocument?
    /// WAF-style rules in front of the stage (its canary shares them).
    public let waf: CompiledWAF?
    /// WebSocket APIs: the routes messages are sent to.
    public let webSocket: CompiledWebSocket?

    init(
        apiID: String, apiName: String, apiType: APIType, name: String, variables: [String: String], routes: RouteTable,
        routeList: [CompiledRoute], canary: CompiledStage? = nil, canaryShare: Double = 0, isCanary: Bool = false,
        gatewayResponses: CustomGatewayResponses? = nil, apiKeySource: APIKeySource = .header,
        cors: CompiledCORS? = nil, resourcePolicy: PolicyDocument? = nil, waf: CompiledWAF? = nil, webSocket: CompiledWebSocket? = nil
    ) {
        self.waf = waf
        self.webSocket = webSocket
        self.cors = cors
        self.resourcePolicy = resourcePolicy
        self.apiKeySource = apiKeySource
        self.gatewayResponses = gatewayResponses
        self.canary = canary
        self.canaryShare = canaryShare
        self.isCanary = isCanary
        self.apiID = apiID
        self.apiName = apiName
        self.apiType = apiType
        self.name = name
        self.variables = variables
        self.routes = routes
        self.routeList = routeList
    }
}
