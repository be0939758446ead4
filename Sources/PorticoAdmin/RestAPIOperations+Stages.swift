import PorticoModel

extension RestAPIOperations {
    // MARK: Deployments

    static func registerDeployments(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/restapis/{restapi_id}/deployments", { state, call throws in
            let response = try withAPI(&state, call) { record throws in
                try createDeployment(&record, call)
            }
            state.deploymentChanged = true
            return response
        })
        router.add("GET", "/restapis/{restapi_id}/deployments", { state, call throws in
            Paging.v1(try api(state, call).deployments.values.map { .object(presentDeployment($0, call: call)) }, call: call)
        })
        router.add("GET", "/restapis/{restapi_id}/deployments/{deployment_id}", { state, call throws in
            let record = try api(state, call)
            guard let deployment = record.deployments[call.parameter("deployment_id")] else {
                throw ManagementError.notFound("Invalid Deployment identifier specified")
            }
            return .json(200, presentDeployment(deployment, call: call))
        })
        router.add("PATCH", "/restapis/{restapi_id}/deployments/{deployment_id}", { state, call throws in
            let patch = try PatchOperations(call.body)
            return try withAPI(&state, call) { record throws in
                guard var deployment = record.deployments[call.parameter("deployment_id")] else {
                    throw ManagementError.notFound("Invalid Deployment identifier specified")
                }
                try patch.apply(to: &deployment, readOnly: ["id", "createdDate", "apiSummary"])
                record.deployments[call.parameter("deployment_id")] = deployment
                return .json(200, deployment)
            }
        })
        router.add("DELETE", "/restapis/{restapi_id}/deployments/{deployment_id}", { state, call throws in
            try withAPI(&state, call) { record throws in
                let id = call.parameter("deployment_id")
                guard record.deployments[id] != nil else { throw ManagementError.notFound("Invalid Deployment identifier specified") }
                if record.stages.values.contains(where: { $0["deploymentId"]?.stringValue == id }) {
                    throw ManagementError.badRequest("Active stages pointing to this deployment must be moved or deleted")
                }
                record.deployments[id] = nil
                record.snapshots[id] = nil
                return .empty(202)
            }
        })
    }

    static func createDeployment(_ record: inout RestAPIRecord, _ call: Call) throws -> AdminResponse {
        var summary: JSONObject = [:]
        var methodCount = 0
        for resource in record.resources.values {
            guard let methods = resource["resourceMethods"]?.objectValue, !methods.isEmpty else { continue }
            var entry: JSONObject = [:]
            for (name, method) in methods {
                methodCount += 1
                guard method["methodIntegration"] != nil else {
                    throw ManagementError.notFound("No integration defined for method")
                }
                entry[name] = [
                    "authorizationType": method["authorizationType"] ?? "NONE",
                    "apiKeyRequired": method["apiKeyRequired"] ?? false,
                ]
            }
            summary[resource["path"]?.stringValue ?? "/"] = .object(entry)
        }
        guard methodCount > 0 else {
            throw ManagementError.badRequest("The REST API doesn't contain any methods")
        }
        let id = Identifier.make(6)
        var deployment: JSONObject = ["id": .string(id), "createdDate": .number(call.now), "apiSummary": .object(summary)]
        if let description = call.body["description"] { deployment["description"] = description }
        record.deployments[id] = deployment
        record.snapshots[id] = record.resources
        let created = presentDeployment(deployment, call: call)
        if let stageName = call.string("stageName"), !stageName.isEmpty {
            if var stage = record.stages[stageName], let canary = call.body["canarySettings"]?.objectValue {
                // A canary deployment: the stage keeps its deployment; the new one takes its share.
                var settings = canary
                settings["deploymentId"] = .string(id)
                if settings["percentTraffic"] == nil { settings["percentTraffic"] = 0 }
                if settings["useStageCache"] == nil { settings["useStageCache"] = false }
                stage["canarySettings"] = .object(settings)
                stage["lastUpdatedDate"] = .number(call.now)
                record.stages[stageName] = stage
            } else if var stage = record.stages[stageName] {
                stage["deploymentId"] = .string(id)
                stage["lastUpdatedDate"] = .number(call.now)
                if let variables = call.body["variables"]?.objectValue {
                    var merged = stage["variables"]?.objectValue ?? [:]
                    merged.merge(variables) { _, new in new }
                    stage["variables"] = .object(merged)
                }
                if let description = call.body["stageDescription"] { stage["description"] = description }
                record.stages[stageName] = stage
            } else {
                var stage = newStage(name: stageName, deploymentID: id, now: call.now)
                if let description = call.body["stageDescription"] { stage["description"] = description }
                for field in ["variables", "tracingEnabled", "cacheClusterEnabled", "cacheClusterSize"] {
                    if let value = call.body[field] { stage[field] = value }
                }
                if let canary = call.body["canarySettings"]?.objectValue {
                    var settings = canary
                    settings["deploymentId"] = .string(id)
                    stage["canarySettings"] = .object(settings)
                }
                record.stages[stageName] = stage
            }
        }
        return .json(201, created)
    }

    /// AWS includes the API summary only when asked (`embed=apisummary`).
    static func presentDeployment(_ deployment: JSONObject, call: Call) -> JSONObject {
        var out = deployment
        if !call.request.queryValues("embed").contains("apisummary") { out["apiSummary"] = nil }
        return out
    }

    // MARK: Stages

    static func newStage(name: String, deploymentID: String, now: Double) -> JSONObject {
        [
            "stageName": .string(name), "deploymentId": .string(deploymentID), "cacheClusterEnabled": false,
            "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": [:], "tracingEnabled": false,
            "createdDate": .number(now), "lastUpdatedDate": .number(now),
        ]
    }

    static func stageNameIsValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    static func registerStages(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/restapis/{restapi_id}/stages", { state, call throws in
            let response = try withAPI(&state, call) { record throws in
                let name = try call.required("stageName")
                guard stageNameIsValid(name) else {
                    throw ManagementError.badRequest("Stage name only allows a-zA-Z0-9_")
                }
                let deploymentID = try call.required("deploymentId")
                guard record.deployments[deploymentID] != nil else {
                    throw ManagementError.notFound("Invalid Deployment identifier specified")
                }
                guard record.stages[name] == nil else { throw ManagementError.conflict("Stage already exists") }
                var stage = newStage(name: name, deploymentID: deploymentID, now: call.now)
                for field in ["description", "variables", "tracingEnabled", "cacheClusterEnabled", "cacheClusterSize", "tags", "canarySettings", "documentationVersion"] {
                    if let value = call.body[field] { stage[field] = value }
                }
                if stage["cacheClusterEnabled"]?.boolValue == true {
                    stage["cacheClusterStatus"] = "AVAILABLE"
                    if stage["cacheClusterSize"] == nil { stage["cacheClusterSize"] = "0.5" }
                }
                record.stages[name] = stage
                return AdminResponse.json(201, stage)
            }
            state.deploymentChanged = true
            return response
        })
        router.add("GET", "/restapis/{restapi_id}/stages", { state, call throws in
            let record = try api(state, call)
            var stages = record.stages.values
            if let deployment = call.query("deploymentId") {
                stages = stages.filter { $0["deploymentId"]?.stringValue == deployment }
            }
            return .json(200, ["item": .array(stages.map { .object($0) })])
        })
        router.add("GET", "/restapis/{restapi_id}/stages/{stage_name}", { state, call throws in
            guard let stage = try api(state, call).stages[call.parameter("stage_name")] else {
                throw ManagementError.notFound("Invalid stage identifier specified")
            }
            return .json(200, stage)
        })
        router.add("PATCH", "/restapis/{restapi_id}/stages/{stage_name}", { state, call throws in
            let patch = try PatchOperations(call.body)
            let response = try withAPI(&state, call) { record throws in
                let name = call.parameter("stage_name")
                guard var stage = record.stages[name] else { throw ManagementError.notFound("Invalid stage identifier specified") }
                try StagePatch.apply(patch, to: &stage, record: record)
                stage["lastUpdatedDate"] = .number(call.now)
                record.stages[name] = stage
                return AdminResponse.json(200, stage)
            }
            state.deploymentChanged = true
            return response
        })
        router.add("DELETE", "/restapis/{restapi_id}/stages/{stage_name}", { state, call throws in
            try withAPI(&state, call) { record throws in
                let name = call.parameter("stage_name")
                guard record.stages[name] != nil else { throw ManagementError.notFound("Invalid stage identifier specified") }
                record.stages[name] = nil
            }
            state.deploymentChanged = true
            return .empty(202)
        })
        router.add("DELETE", "/restapis/{restapi_id}/stages/{stage_name}/cache/data", { state, call throws in
            guard try api(state, call).stages[call.parameter("stage_name")] != nil else {
                throw ManagementError.notFound("Invalid stage identifier specified")
            }
            state.flushedCaches.append(call.parameter("restapi_id") + "/" + call.parameter("stage_name"))
            return .empty(202)
        })
    }
}

/// UpdateStage's paths: plain fields, `/variables/NAME`, `/canarySettings/…`, and method settings
/// under `/{resourcePath}/{METHOD}/{area}/{setting}` (`/*/*/throttling/rateLimit`, `/~1pets/GET/metrics/enabled`).
enum StagePatch {
    /// `area/setting` → the `MethodSetting` field, and whether it is a boolean, number or string.
    static let settings: [String: (field: String, kind: Kind)] = [
        "metrics/enabled": ("metricsEnabled", .boolean),
        "logging/loglevel": ("loggingLevel", .string),
        "logging/dataTrace": ("dataTraceEnabled", .boolean),
        "throttling/burstLimit": ("throttlingBurstLimit", .integer),
        "throttling/rateLimit": ("throttlingRateLimit", .number),
        "caching/enabled": ("cachingEnabled", .boolean),
        "caching/ttlInSeconds": ("cacheTtlInSeconds", .integer),
        "caching/dataEncrypted": ("cacheDataEncrypted", .boolean),
        "caching/requireAuthorizationForCacheControl": ("requireAuthorizationForCacheControl", .boolean),
        "caching/unauthorizedCacheControlHeaderStrategy": ("unauthorizedCacheControlHeaderStrategy", .string),
    ]

    enum Kind { case boolean, integer, number, string }

    /// A method setting as AWS creates it the first time any of its fields is set.
    static let defaults: JSONObject = [
        "metricsEnabled": false, "loggingLevel": "OFF", "dataTraceEnabled": false, "throttlingBurstLimit": 5000,
        "throttlingRateLimit": 10000.0, "cachingEnabled": false, "cacheTtlInSeconds": 300, "cacheDataEncrypted": false,
        "requireAuthorizationForCacheControl": true, "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
    ]

    static let plainFields: Set<String> = [
        "description", "deploymentId", "cacheClusterEnabled", "cacheClusterSize", "tracingEnabled", "clientCertificateId",
        "documentationVersion", "webAclArn", "accessLogSettings", "variables", "canarySettings",
    ]

    static func apply(_ patch: PatchOperations, to stage: inout JSONObject, record: RestAPIRecord) throws {
        for operation in patch.operations {
            guard let first = operation.path.first else { continue }
            if plainFields.contains(first) {
                if first == "deploymentId", let id = operation.value, record.deployments[id] == nil {
                    throw ManagementError.badRequest("Deployment id does not exist")
                }
                var single = patch
                single.operations = [operation]
                try single.apply(to: &stage, booleans: ["cacheClusterEnabled", "tracingEnabled", "useStageCache"], numbers: ["percentTraffic"], readOnly: [])
                if first == "cacheClusterEnabled" {
                    let enabled = stage["cacheClusterEnabled"]?.boolValue == true
                    stage["cacheClusterStatus"] = enabled ? "AVAILABLE" : "NOT_AVAILABLE"
                    if enabled, stage["cacheClusterSize"] == nil { stage["cacheClusterSize"] = "0.5" }
                }
                continue
            }
            // Method settings: `/{resourcePath}/{METHOD}/{area}/{setting}`, the key keeps `~1` escapes.
            let parts = operation.rawPath.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { throw ManagementError.badRequest("Invalid method setting path: \(operation.rawPath)") }
            let settingKey = parts[2] + "/" + parts[3]
            guard let setting = settings[settingKey] else {
                throw ManagementError.badRequest("Invalid method setting path: \(operation.rawPath). Must be one of: [\(settings.keys.sorted().map { "/{resourcePath}/{httpMethod}/\($0)" }.joined(separator: ", "))]")
            }
            let methodKey = parts[0] + "/" + parts[1]
            var methodSettings = stage["methodSettings"]?.objectValue ?? [:]
            if operation.op == "remove" {
                methodSettings[methodKey] = nil
            } else {
                var entry = methodSettings[methodKey]?.objectValue ?? defaults
                let value = operation.value ?? ""
                switch setting.kind {
                case .boolean: entry[setting.field] = .bool(value.lowercased() == "true")
                case .integer:
                    guard let number = Int(value) else { throw ManagementError.badRequest("Invalid value for \(settingKey): \(value)") }
                    entry[setting.field] = .number(Double(number))
                case .number:
                    guard let number = Double(value) else { throw ManagementError.badRequest("Invalid value for \(settingKey): \(value)") }
                    entry[setting.field] = .number(number)
                case .string: entry[setting.field] = .string(value)
                }
                methodSettings[methodKey] = .object(entry)
            }
            stage["methodSettings"] = .object(methodSettings)
        }
    }
}
