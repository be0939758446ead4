import PorticoModel

/// A method's caching, compiled: the stage cache it uses, its TTL, and the request values its
/// cache key is made of (`cacheKeyParameters`).
public final class RouteCache: Sendable {
    /// The stage cache (`apiID/stage`): each event loop keeps a shard of it under this name.
    public let stageIdentity: String
    /// The stage cache's capacity, shared out between the event loops' shards.
    public let capacityBytes: Int
    public let ttlNanos: UInt64
    public let keyParameters: [(location: Parameter.Location, name: String)]
    /// Resources with the same namespace share entries (`cacheNamespace`; default the resource).
    public let namespace: String?
    public let requireAuthorization: Bool
    public let unauthorizedStrategy: StageCache.UnauthorizedStrategy

    init(stageIdentity: String, capacityBytes: Int, ttlSeconds: Int, keyParameters: [(location: Parameter.Location, name: String)], namespace: String?, settings: StageCache) {
        self.namespace = namespace
        self.stageIdentity = stageIdentity
        self.capacityBytes = capacityBytes
        self.ttlNanos = UInt64(ttlSeconds) * 1_000_000_000
        self.keyParameters = keyParameters
        self.requireAuthorization = settings.requireAuthorization
        self.unauthorizedStrategy = settings.unauthorizedStrategy
    }

    /// The cache settings of `operation` on `stage`, nil when it is not cached: GET methods are
    /// unless their method settings say otherwise; other methods only when enabled there.
    static func compile(_ operation: APIOperation, stage: Stage, api: APIDefinition, report: (Diagnostic) -> Void) -> RouteCache? {
        guard api.type == .rest, let settings = stage.cache else { return nil }
        let method = MethodPattern.best(settings.methods, resourcePath: operation.path, method: operation.method)
        guard method?.enabled ?? (operation.method == "GET") else { return nil }
        let ttl = method?.ttlSeconds ?? settings.ttlSeconds
        guard ttl > 0 else { return nil }
        var keys: [(location: Parameter.Location, name: String)] = []
        for text in (operation.integration?.extensions["cacheKeyParameters"]?.arrayValue ?? []).compactMap(\.stringValue) {
            let parts = text.split(separator: ".", maxSplits: 3).map(String.init)
            guard parts.count == 4, parts[0] == "method", parts[1] == "request" else {
                report(Diagnostic(.error, "cacheKeyParameters entries are method.request.{querystring|header|path}.NAME, not '\(text)'", at: operation.location))
                continue
            }
            switch parts[2] {
            case "querystring", "multivaluequerystring": keys.append((.query, parts[3]))
            case "header", "multivalueheader": keys.append((.header, parts[3]))
            case "path": keys.append((.path, parts[3]))
            default: report(Diagnostic(.error, "cacheKeyParameters entries are method.request.{querystring|header|path}.NAME, not '\(text)'", at: operation.location))
            }
        }
        return RouteCache(
            stageIdentity: "\(api.id)/\(stage.name)", capacityBytes: settings.capacityMB * 1_048_576,
            ttlSeconds: ttl, keyParameters: keys, namespace: operation.integration?.extensions["cacheNamespace"]?.stringValue, settings: settings)
    }

    /// The cache key of a request: the method, the resource and the key parameters' values.
    func key<Head: RequestHead>(head: Head, route: CompiledRoute, match: RouteMatch, query: Substring) -> String {
        var key = route.method + " " + (namespace ?? route.resourcePath)
        for (location, name) in keyParameters {
            let value: String?
            switch location {
            case .query: value = QueryString.first(name, in: query)
            case .header: value = head.field(named: name)
            case .path: value = match.pathParameter(name).map(String.init)
            case .cookie: value = nil
            }
            key += "\u{1F}" + name + "=" + (value ?? "\u{0}")
        }
        return key
    }
}

/// What the data plane does with the stage cache for one request.
public struct CacheUse: Sendable {
    public let route: RouteCache
    public let key: String
    /// `Cache-Control: max-age=0` from a caller allowed to invalidate: skip the entry and refresh it.
    public let invalidate: Bool
    /// Response fields to add (a refused invalidation, when the strategy says so).
    public let extraHeaders: [(String, String)]

    /// SUCCEED_WITH_RESPONSE_HEADER's warning. AWS documents "a warning header" without its text;
    /// this is the wording seen from API Gateway, not confirmed by AWS's documentation.
    public static let unauthorizedHeader = (name: "Warning", value: "199 Cache-control headers were ignored because the caller was unauthorized.")
}
