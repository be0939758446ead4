import PorticoPipeline

/// Request metrics named after API Gateway's CloudWatch metrics (Count, 4XXError, 5XXError,
/// Latency, IntegrationLatency), kept per event loop and merged when `/metrics` is scraped, so the
/// request path increments plain integers. Labels: api, stage, method, resource — the route's own
/// method and resource path (`ANY`, `/{proxy+}`), so their number is bounded by the definition;
/// unmatched requests share method and resource "-".
final class GatewayMetrics {
    struct Labels: Hashable, Sendable {
        var api: String
        var stage: String
        var method: String
        var resource: String
    }

    /// Upper bounds (ms) of the latency histogram buckets.
    static let buckets: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]

    struct Cell: Sendable {
        var count = 0
        var errors4xx = 0
        var errors5xx = 0
        var latencyBuckets = [Int](repeating: 0, count: GatewayMetrics.buckets.count)
        var latencySumMillis = 0.0
        var integrationBuckets = [Int](repeating: 0, count: GatewayMetrics.buckets.count)
        var integrationCount = 0
        var integrationSumMillis = 0.0
        var cacheHits = 0
        var cacheMisses = 0

        mutating func add(status: Int, latencyMillis: Double, integrationMillis: Double?, cacheHit: Bool? = nil) {
            count += 1
            if let cacheHit { if cacheHit { cacheHits += 1 } else { cacheMisses += 1 } }
            if (400..<500).contains(status) { errors4xx += 1 }
            if status >= 500 { errors5xx += 1 }
            latencySumMillis += latencyMillis
            if let bucket = GatewayMetrics.buckets.firstIndex(where: { latencyMillis <= $0 }) { latencyBuckets[bucket] += 1 }
            if let integrationMillis {
                integrationCount += 1
                integrationSumMillis += integrationMillis
                if let bucket = GatewayMetrics.buckets.firstIndex(where: { integrationMillis <= $0 }) { integrationBuckets[bucket] += 1 }
            }
        }

        mutating func merge(_ other: Cell) {
            count += other.count
            errors4xx += other.errors4xx
            errors5xx += other.errors5xx
            latencySumMillis += other.latencySumMillis
            integrationCount += other.integrationCount
            integrationSumMillis += other.integrationSumMillis
            cacheHits += other.cacheHits
            cacheMisses += other.cacheMisses
            for index in latencyBuckets.indices {
                latencyBuckets[index] += other.latencyBuckets[index]
                integrationBuckets[index] += other.integrationBuckets[index]
            }
        }
    }

    /// Cells of matched routes, keyed by the route object (hashing a pointer, not four strings);
    /// the route is kept so its identifier cannot be reused while the cell exists.
    /// A route's cell, by reference: a request finds it with one lookup and copies nothing.
    private final class RouteCell {
        let route: CompiledRoute
        let labels: Labels
        /// One loop's, counted per request: no runtime exclusivity check.
        @exclusivity(unchecked) var cell = Cell()

        init(route: CompiledRoute, labels: Labels) {
            self.route = route
            self.labels = labels
        }
    }

    private var routeCells: [ObjectIdentifier: RouteCell] = [:]
    /// Unmatched requests, and routes of snapshots that a reload replaced.
    private var labelCells: [Labels: Cell] = [:]

    /// Every cell by labels, for the scrape.
    var cells: [Labels: Cell] {
        var result = labelCells
        for entry in routeCells.values { result[entry.labels, default: Cell()].merge(entry.cell) }
        return result
    }

    /// After a reload: fold the old routes' cells into label-keyed ones and release the routes.
    func retireRoutes() {
        for entry in routeCells.values { labelCells[entry.labels, default: Cell()].merge(entry.cell) }
        routeCells.removeAll()
    }

    /// WAF rule matches by api, stage, rule and action (`block`, `count`), this loop's.
    var wafMatches: [WAFKey: Int] = [:]

    struct WAFKey: Hashable, Sendable {
        var api: String
        var stage: String
        var rule: String
        var action: String
    }

    func recordWAF(api: String, stage: String, blockedBy: String?, counted: [String]) {
        for rule in counted { wafMatches[WAFKey(api: api, stage: stage, rule: rule, action: "count"), default: 0] += 1 }
        if let blockedBy { wafMatches[WAFKey(api: api, stage: stage, rule: blockedBy, action: "block"), default: 0] += 1 }
    }

    static func renderWAF(_ matches: [WAFKey: Int]) -> String {
        guard !matches.isEmpty else { return "" }
        var out = "# HELP portico_waf_matches_total Requests a WAF rule blocked or counted.\n# TYPE portico_waf_matches_total counter\n"
        for (key, count) in matches.sorted(by: { ($0.key.api, $0.key.stage, $0.key.rule, $0.key.action) < ($1.key.api, $1.key.stage, $1.key.rule, $1.key.action) }) {
            out += "portico_waf_matches_total{api=\"\(escape(key.api))\",stage=\"\(escape(key.stage))\",rule=\"\(escape(key.rule))\",action=\"\(key.action)\"} \(count)\n"
        }
        return out
    }

    func record(route: CompiledRoute?, labels: () -> Labels, status: Int, latencyMillis: Double, integrationMillis: Double?, cacheHit: Bool? = nil) {
        if let route {
            let key = ObjectIdentifier(route)
            let entry: RouteCell
            if let found = routeCells[key] {
                entry = found
            } else {
                entry = RouteCell(route: route, labels: labels())
                routeCells[key] = entry
            }
            entry.cell.add(status: status, latencyMillis: latencyMillis, integrationMillis: integrationMillis, cacheHit: cacheHit)
        } else {
            labelCells[labels(), default: Cell()].add(status: status, latencyMillis: latencyMillis, integrationMillis: integrationMillis, cacheHit: cacheHit)
        }
    }


    /// Prometheus text exposition of merged cells.
    static func render(_ cells: [Labels: Cell]) -> String {
        let sorted = cells.sorted { ($0.key.api, $0.key.stage, $0.key.resource, $0.key.method) < ($1.key.api, $1.key.stage, $1.key.resource, $1.key.method) }
        var out = ""
        func labelText(_ labels: Labels, extra: String = "") -> String {
            "{api=\"\(escape(labels.api))\",stage=\"\(escape(labels.stage))\",method=\"\(escape(labels.method))\",resource=\"\(escape(labels.resource))\"\(extra)}"
        }
        let counters: [(String, String, (Cell) -> Int)] = [
            ("portico_count_total", "Requests received (CloudWatch Count).", { $0.count }),
            ("portico_4xx_error_total", "Requests answered with a 4XX status (CloudWatch 4XXError).", { $0.errors4xx }),
            ("portico_5xx_error_total", "Requests answered with a 5XX status (CloudWatch 5XXError).", { $0.errors5xx }),
            ("portico_cache_hit_total", "Requests answered from the stage cache (CloudWatch CacheHitCount).", { $0.cacheHits }),
            ("portico_cache_miss_total", "Requests of cached methods answered by the integration (CloudWatch CacheMissCount).", { $0.cacheMisses }),
        ]
        for (name, help, value) in counters {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
            for (labels, cell) in sorted { out += "\(name)\(labelText(labels)) \(value(cell))\n" }
        }
        let histograms: [(String, String, (Cell) -> ([Int], Int, Double))] = [
            ("portico_latency_milliseconds", "Time from request received to response sent (CloudWatch Latency).",
             { ($0.latencyBuckets, $0.count, $0.latencySumMillis) }),
            ("portico_integration_latency_milliseconds", "Time from integration request to its response head (CloudWatch IntegrationLatency).",
             { ($0.integrationBuckets, $0.integrationCount, $0.integrationSumMillis) }),
        ]
        for (name, help, value) in histograms {
            out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
            for (labels, cell) in sorted {
                let (buckets, count, sum) = value(cell)
                var cumulative = 0
                for (index, bound) in buckets.indices.map({ ($0, Self.buckets[$0]) }) {
                    cumulative += buckets[index]
                    out += "\(name)_bucket\(labelText(labels, extra: ",le=\"\(format(bound))\"")) \(cumulative)\n"
                }
                out += "\(name)_bucket\(labelText(labels, extra: ",le=\"+Inf\"")) \(count)\n"
                out += "\(name)_sum\(labelText(labels)) \(sum)\n"
                out += "\(name)_count\(labelText(labels)) \(count)\n"
            }
        }
        return out
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
