import PorticoModel
import PorticoStorage

public typealias JSONObject = [String: JSONValue]

/// A map of AWS-shaped JSON objects by id, in creation order (AWS lists most things that way).
struct ObjectMap: Sendable {
    private(set) var order: [String] = []
    private(set) var items: [String: JSONObject] = [:]

    subscript(id: String) -> JSONObject? {
        get { items[id] }
        set {
            if newValue != nil, items[id] == nil { order.append(id) }
            if newValue == nil, items[id] != nil { order.removeAll { $0 == id } }
            items[id] = newValue
        }
    }

    var values: [JSONObject] { order.map { items[$0]! } }
    var keys: [String] { order }
    var entries: [(key: String, value: JSONObject)] { order.map { ($0, items[$0]!) } }
    var isEmpty: Bool { items.isEmpty }

    var json: JSONValue {
        .array(order.map { .array([.string($0), .object(items[$0]!)]) })
    }

    init() {}

    init(json: JSONValue?) {
        for pair in json?.arrayValue ?? [] {
            guard let entry = pair.arrayValue, entry.count == 2, let id = entry[0].stringValue, let object = entry[1].objectValue else { continue }
            self[id] = object
        }
    }
}

/// One REST API with everything that belongs to it: what `apigateway` manages under `/restapis/{id}`.
struct RestAPIRecord: Sendable {
    var api: JSONObject
    /// Resources by id; each holds its methods under `resourceMethods` as AWS returns them.
    var resources = ObjectMap()
    var models = ObjectMap()
    var authorizers = ObjectMap()
    var requestValidators = ObjectMap()
    var gatewayResponses = ObjectMap()
    var documentationParts = ObjectMap()
    var deployments = ObjectMap()
    /// The resources as they were when each deployment was made (deployment id → resources).
    var snapshots: [String: ObjectMap] = [:]
    var stages = ObjectMap()

    init(api: JSONObject) { self.api = api }

    /// The plain child collections, by name (stored key paths crash the 6.3 compiler in closures).
    enum Child: Sendable { case models, authorizers, requestValidators, documentationParts }

    subscript(child child: Child) -> ObjectMap {
        get {
            switch child {
            case .models: models
            case .authorizers: authorizers
            case .requestValidators: requestValidators
            case .documentationParts: documentationParts
            }
        }
        set {
            switch child {
            case .models: models = newValue
            case .authorizers: authorizers = newValue
            case .requestValidators: requestValidators = newValue
            case .documentationParts: documentationParts = newValue
            }
        }
    }

    var json: JSONValue {
        .object([
            "api": .object(api), "resources": resources.json, "models": models.json, "authorizers": authorizers.json,
            "requestValidators": requestValidators.json, "gatewayResponses": gatewayResponses.json,
            "documentationParts": documentationParts.json, "deployments": deployments.json,
            "snapshots": .object(snapshots.mapValues(\.json)), "stages": stages.json,
        ])
    }

    init?(json: JSONValue) {
        guard let api = json["api"]?.objectValue else { return nil }
        self.api = api
        resources = ObjectMap(json: json["resources"])
        models = ObjectMap(json: json["models"])
        authorizers = ObjectMap(json: json["authorizers"])
        requestValidators = ObjectMap(json: json["requestValidators"])
        gatewayResponses = ObjectMap(json: json["gatewayResponses"])
        documentationParts = ObjectMap(json: json["documentationParts"])
        deployments = ObjectMap(json: json["deployments"])
        snapshots = (json["snapshots"]?.objectValue ?? [:]).mapValues { ObjectMap(json: $0) }
        stages = ObjectMap(json: json["stages"])
    }
}

/// An HTTP or WebSocket API with what `apigatewayv2` manages under `/v2/apis/{id}`.
struct V2APIRecord: Sendable {
    var api: JSONObject
    var routes = ObjectMap()
    /// Route responses by `routeId/routeResponseId`.
    var routeResponses = ObjectMap()
    var integrations = ObjectMap()
    /// Integration responses by `integrationId/integrationResponseId`.
    var integrationResponses = ObjectMap()
    var authorizers = ObjectMap()
    var models = ObjectMap()
    var deployments = ObjectMap()
    /// The routes and integrations as they were when each deployment was made.
    var snapshots: [String: JSONValue] = [:]
    var stages = ObjectMap()

    init(api: JSONObject) { self.api = api }

    /// The child collections, by name (stored key paths crash the 6.3 compiler in closures).
    enum Child: Sendable { case routes, routeResponses, integrations, integrationResponses, authorizers, models }

    subscript(child child: Child) -> ObjectMap {
        get {
            switch child {
            case .routes: routes
            case .routeResponses: routeResponses
            case .integrations: integrations
            case .integrationResponses: integrationResponses
            case .authorizers: authorizers
            case .models: models
            }
        }
        set {
            switch child {
            case .routes: routes = newValue
            case .routeResponses: routeResponses = newValue
            case .integrations: integrations = newValue
            case .integrationResponses: integrationResponses = newValue
            case .authorizers: authorizers = newValue
            case .models: models = newValue
            }
        }
    }

    var json: JSONValue {
        .object([
            "api": .object(api), "routes": routes.json, "routeResponses": routeResponses.json,
            "integrations": integrations.json, "integrationResponses": integrationResponses.json,
            "authorizers": authorizers.json, "models": models.json, "deployments": deployments.json,
            "snapshots": .object(snapshots), "stages": stages.json,
        ])
    }

    init?(json: JSONValue) {
        guard let api = json["api"]?.objectValue else { return nil }
        self.api = api
        routes = ObjectMap(json: json["routes"])
        routeResponses = ObjectMap(json: json["routeResponses"])
        integrations = ObjectMap(json: json["integrations"])
        integrationResponses = ObjectMap(json: json["integrationResponses"])
        authorizers = ObjectMap(json: json["authorizers"])
        models = ObjectMap(json: json["models"])
        deployments = ObjectMap(json: json["deployments"])
        snapshots = json["snapshots"]?.objectValue ?? [:]
        stages = ObjectMap(json: json["stages"])
    }
}

/// An object with children of its own kind stored beside it (usage plan → keys, domain → mappings).
struct ParentRecord: Sendable {
    var object: JSONObject
    var children = ObjectMap()

    init(object: JSONObject) { self.object = object }

    var json: JSONValue { .object(["object": .object(object), "children": children.json]) }

    init?(json: JSONValue) {
        guard let object = json["object"]?.objectValue else { return nil }
        self.object = object
        children = ObjectMap(json: json["children"])
    }
}

/// Top-level records in creation order; the order survives a restart through a stored sequence number.
struct OrderedRecords<Value: Sendable>: Sendable {
    private(set) var order: [String] = []
    private(set) var items: [String: Value] = [:]
    private(set) var sequence: [String: Int] = [:]
    private var next = 0

    subscript(id: String) -> Value? {
        get { items[id] }
        set {
            if newValue != nil, items[id] == nil {
                order.append(id)
                sequence[id] = next
                next += 1
            }
            if newValue == nil, items[id] != nil {
                order.removeAll { $0 == id }
                sequence[id] = nil
            }
            items[id] = newValue
        }
    }

    var values: [Value] { order.map { items[$0]! } }

    /// Restores a record with the sequence number it was stored with.
    mutating func restore(_ id: String, _ value: Value, sequence number: Int) {
        items[id] = value
        sequence[id] = number
        next = max(next, number + 1)
        order = items.keys.sorted { (sequence[$0]!, $0) < (sequence[$1]!, $1) }
    }

    mutating func removeAll() { self = OrderedRecords() }
}

/// The management API's working copy. Handlers change it; every collection/key they touch is
/// recorded in `dirty` and written to the store before the call is answered.
struct ManagementState: Sendable {
    var restAPIs = OrderedRecords<RestAPIRecord>()
    var apiKeys = OrderedRecords<JSONObject>()
    var usagePlans = OrderedRecords<ParentRecord>()
    /// Requests per `planID/keyID/day` (days since the epoch, UTC), as the data plane counted them.
    var usage: [String: Int] = [:]
    /// Stage caches (`apiID/stage`) a call asked to flush; not stored.
    var flushedCaches: [String] = []
    var domainNames = OrderedRecords<ParentRecord>()
    var v2APIs = OrderedRecords<V2APIRecord>()
    var v2DomainNames = OrderedRecords<ParentRecord>()
    var vpcLinks = OrderedRecords<JSONObject>()
    var v2VpcLinks = OrderedRecords<JSONObject>()
    /// The account's settings (GetAccount); nil until changed.
    var account = OrderedRecords<JSONObject>()
    /// Tags of resources that do not carry their own (`/tags/{arn}` on anything else).
    var otherTags = OrderedRecords<JSONObject>()
    /// APIs defined in `portico.yaml`: listed and read like the others, never stored or changed here.
    var fileAPIIDs: Set<String> = []
    /// Collection/key pairs changed by the current call.
    var dirty: Set<RecordKey> = []
    /// Whether the current call changed what the data plane serves.
    var deploymentChanged = false

    struct RecordKey: Hashable, Sendable {
        var collection: String
        var key: String
    }

    mutating func touch(_ collection: String, _ key: String) {
        dirty.insert(RecordKey(collection: collection, key: key))
    }

    /// The writes that persist every dirty record (a record that no longer exists is deleted).
    func writes() -> [StoreWrite] {
        dirty.filter { !fileAPIIDs.contains($0.key) }.sorted { ($0.collection, $0.key) < ($1.collection, $1.key) }.map { key in
            if let value = value(collection: key.collection, key: key.key) {
                return .put(StoredRecord(collection: key.collection, key: key.key, value: value.serialized))
            }
            return .delete(collection: key.collection, key: key.key)
        }
    }

    /// A stored record is `[sequence, value]`.
    private func value(collection: String, key: String) -> JSONValue? {
        func stored<V>(_ records: OrderedRecords<V>, _ encode: (V) -> JSONValue) -> JSONValue? {
            guard let value = records[key], let number = records.sequence[key] else { return nil }
            return .array([.number(Double(number)), encode(value)])
        }
        switch collection {
        case "restapis": return stored(restAPIs, \.json)
        case "apikeys": return stored(apiKeys) { .object($0) }
        case "usageplans": return stored(usagePlans, \.json)
        case "domainnames": return stored(domainNames, \.json)
        case "v2apis": return stored(v2APIs, \.json)
        case "v2domainnames": return stored(v2DomainNames, \.json)
        case "tags": return stored(otherTags) { .object($0) }
        case "vpclinks": return stored(vpcLinks) { .object($0) }
        case "v2vpclinks": return stored(v2VpcLinks) { .object($0) }
        case "account": return stored(account) { .object($0) }
        case "usage": return usage[key].map { .array([.number(0), .number(Double($0))]) }
        default: return nil
        }
    }

    /// `usage` as entries (its keys are `planID/keyID/day`).
    var usageEntries: [UsageEntry] {
        usage.compactMap { key, used in
            var parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3, let day = Int(parts.removeLast()) else { return nil }
            let keyID = parts.removeLast()
            return UsageEntry(planID: parts.joined(separator: "/"), keyID: keyID, day: day, used: used)
        }
    }

    /// Rebuilds the working copy from the store's records.
    init(records: [StoredRecord]) {
        for record in records {
            guard let pair = (try? JSONValue.parse(record.value))?.arrayValue, pair.count == 2,
                  let number = pair[0].numberValue.map({ Int($0) }) else { continue }
            let value = pair[1]
            switch record.collection {
            case "restapis": if let api = RestAPIRecord(json: value) { restAPIs.restore(record.key, api, sequence: number) }
            case "apikeys": if let object = value.objectValue { apiKeys.restore(record.key, object, sequence: number) }
            case "usageplans": if let plan = ParentRecord(json: value) { usagePlans.restore(record.key, plan, sequence: number) }
            case "domainnames": if let domain = ParentRecord(json: value) { domainNames.restore(record.key, domain, sequence: number) }
            case "v2apis": if let api = V2APIRecord(json: value) { v2APIs.restore(record.key, api, sequence: number) }
            case "v2domainnames": if let domain = ParentRecord(json: value) { v2DomainNames.restore(record.key, domain, sequence: number) }
            case "tags": if let object = value.objectValue { otherTags.restore(record.key, object, sequence: number) }
            case "vpclinks": if let object = value.objectValue { vpcLinks.restore(record.key, object, sequence: number) }
            case "v2vpclinks": if let object = value.objectValue { v2VpcLinks.restore(record.key, object, sequence: number) }
            case "account": if let object = value.objectValue { account.restore(record.key, object, sequence: number) }
            case "usage": if let used = value.numberValue { usage[record.key] = Int(used) }
            default: continue
            }
        }
    }

    init() {}
}
