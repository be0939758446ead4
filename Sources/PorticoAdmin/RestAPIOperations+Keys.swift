import PorticoPipeline
import PorticoModel

extension RestAPIOperations {
    // MARK: API keys

    static func presentKey(_ key: JSONObject, includeValue: Bool) -> JSONObject {
        var out = key
        if !includeValue { out["value"] = nil }
        return out
    }

    static func registerKeysAndPlans(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/apikeys", { state, call throws in
            let value = call.string("value") ?? Identifier.apiKeyValue()
            guard value.count >= 20 else { throw ManagementError.badRequest("API Key value should be at least 20 characters") }
            if state.apiKeys.values.contains(where: { $0["value"]?.stringValue == value }) {
                throw ManagementError.conflict("API Key already exists")
            }
            let id = Identifier.make()
            var key: JSONObject = [
                "id": .string(id), "value": .string(value), "name": call.body["name"] ?? .null,
                "enabled": .bool(call.bool("enabled") ?? false), "createdDate": .number(call.now),
                "lastUpdatedDate": .number(call.now), "stageKeys": [],
            ]
            if key["name"] == .null { key["name"] = nil }
            for field in ["description", "customerId", "tags"] { if let field_ = call.body[field] { key[field] = field_ } }
            if let stageKeys = call.body["stageKeys"]?.arrayValue {
                key["stageKeys"] = .array(stageKeys.compactMap { entry in
                    guard let api = entry["restApiId"]?.stringValue, let stage = entry["stageName"]?.stringValue else { return nil }
                    return .string("\(api)/\(stage)")
                })
            }
            state.apiKeys[id] = key
            state.touch("apikeys", id)
            return .json(201, key)
        })
        router.add("GET", "/apikeys", { state, call in
            var keys = state.apiKeys.values
            if let name = call.query("name") { keys = keys.filter { ($0["name"]?.stringValue ?? "").hasPrefix(name) } }
            if let customer = call.query("customerId") { keys = keys.filter { $0["customerId"]?.stringValue == customer } }
            let include = call.queryBool("includeValues")
            return Paging.v1(keys.map { .object(presentKey($0, includeValue: include)) }, call: call)
        })
        router.add("GET", "/apikeys/{api_key}", { state, call throws in
            guard let key = state.apiKeys[call.parameter("api_key")] else {
                throw ManagementError.notFound("Invalid API Key identifier specified")
            }
            return .json(200, presentKey(key, includeValue: call.queryBool("includeValue")))
        })
        router.add("PATCH", "/apikeys/{api_key}", { state, call throws in
            let patch = try PatchOperations(call.body)
            let id = call.parameter("api_key")
            guard var key = state.apiKeys[id] else { throw ManagementError.notFound("Invalid API Key identifier specified") }
            try patch.apply(to: &key, booleans: ["enabled"], readOnly: ["id", "createdDate", "value"])
            key["lastUpdatedDate"] = .number(call.now)
            state.apiKeys[id] = key
            state.touch("apikeys", id)
            state.deploymentChanged = true
            return .json(200, presentKey(key, includeValue: false))
        })
        router.add("DELETE", "/apikeys/{api_key}", { state, call throws in
            let id = call.parameter("api_key")
            guard state.apiKeys[id] != nil else { throw ManagementError.notFound("Invalid API Key identifier specified") }
            state.apiKeys[id] = nil
            state.touch("apikeys", id)
            // A deleted key leaves every plan it was in.
            for planID in state.usagePlans.order where state.usagePlans[planID]!.children[id] != nil {
                state.usagePlans[planID]!.children[id] = nil
                state.touch("usageplans", planID)
            }
            state.deploymentChanged = true
            return .empty(202)
        })

        // MARK: Usage plans

        router.add("POST", "/usageplans", { state, call throws in
            let name = try call.required("name")
            let id = Identifier.make(6)
            var plan: JSONObject = ["id": .string(id), "name": .string(name), "apiStages": []]
            for field in ["description", "apiStages", "throttle", "quota", "tags", "productCode"] {
                if let value = call.body[field] { plan[field] = value }
            }
            if let period = plan["quota"]?["period"]?.stringValue, !["DAY", "WEEK", "MONTH"].contains(period) {
                throw ManagementError.badRequest("Invalid quota period specified. Valid options are DAY,WEEK,MONTH")
            }
            for stage in plan["apiStages"]?.arrayValue ?? [] {
                guard let apiID = stage["apiId"]?.stringValue, let record = state.restAPIs[apiID] else {
                    throw ManagementError.notFound("Invalid API identifier specified \(call.account):\(stage["apiId"]?.stringValue ?? "")")
                }
                if let stageName = stage["stage"]?.stringValue, record.stages[stageName] == nil {
                    throw ManagementError.notFound("Invalid stage identifier specified \(call.account):\(apiID):\(stageName)")
                }
            }
            state.usagePlans[id] = ParentRecord(object: plan)
            state.touch("usageplans", id)
            state.deploymentChanged = true
            return .json(201, plan)
        })
        router.add("GET", "/usageplans", { state, call in
            var plans = state.usagePlans.values
            if let keyID = call.query("keyId") { plans = plans.filter { $0.children[keyID] != nil } }
            return Paging.v1(plans.map { .object($0.object) }, call: call)
        })
        router.add("GET", "/usageplans/{usageplanId}", { state, call throws in
            .json(200, try plan(state, call).object)
        })
        router.add("PATCH", "/usageplans/{usageplanId}", { state, call throws in
            let patch = try PatchOperations(call.body)
            var record = try plan(state, call)
            for operation in patch.operations {
                // `/apiStages` takes `apiId:stage` values; `/apiStages/apiId:stage/throttle/...` per-method throttles.
                if operation.path.first == "apiStages", operation.path.count == 1 {
                    var stages = record.object["apiStages"]?.arrayValue ?? []
                    let parts = (operation.value ?? "").split(separator: ":", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw ManagementError.badRequest("Invalid API stage specified: \(operation.value ?? "")") }
                    if operation.op == "add" {
                        guard let api = state.restAPIs[parts[0]] else { throw ManagementError.notFound("Invalid API identifier specified \(call.account):\(parts[0])") }
                        guard api.stages[parts[1]] != nil else { throw ManagementError.notFound("Invalid stage identifier specified \(call.account):\(parts[0]):\(parts[1])") }
                        stages.append(["apiId": .string(parts[0]), "stage": .string(parts[1])])
                    } else if operation.op == "remove" {
                        stages.removeAll { $0["apiId"]?.stringValue == parts[0] && $0["stage"]?.stringValue == parts[1] }
                    }
                    record.object["apiStages"] = .array(stages)
                    continue
                }
                var single = patch
                single.operations = [operation]
                let numeric: Set<String> = ["limit", "offset", "burstLimit", "rateLimit"]
                try single.apply(to: &record.object, numbers: numeric, readOnly: ["id"])
                // Nested fields (`/quota/limit`) convert by their own name.
                for section in ["quota", "throttle"] {
                    if var object = record.object[section]?.objectValue {
                        for field in numeric { if let text = object[field]?.stringValue, let number = Double(text) { object[field] = .number(number) } }
                        record.object[section] = .object(object)
                    }
                }
            }
            let id = call.parameter("usageplanId")
            state.usagePlans[id] = record
            state.touch("usageplans", id)
            state.deploymentChanged = true
            return .json(200, record.object)
        })
        router.add("DELETE", "/usageplans/{usageplanId}", { state, call throws in
            _ = try plan(state, call)
            let id = call.parameter("usageplanId")
            state.usagePlans[id] = nil
            state.touch("usageplans", id)
            state.deploymentChanged = true
            return .empty(202)
        })
        router.add("POST", "/usageplans/{usageplanId}/keys", { state, call throws in
            let keyID = try call.required("keyId")
            guard let key = state.apiKeys[keyID] else { throw ManagementError.notFound("Invalid API Key identifier specified") }
            var record = try plan(state, call)
            let type = call.string("keyType") ?? "API_KEY"
            var entry: JSONObject = ["id": .string(keyID), "type": .string(type), "value": key["value"] ?? ""]
            if let name = key["name"] { entry["name"] = name }
            if record.children[keyID] != nil { throw ManagementError.conflict("Usage Plan \(call.parameter("usageplanId")) cannot be added because API Key \(keyID) already exists") }
            record.children[keyID] = entry
            let id = call.parameter("usageplanId")
            state.usagePlans[id] = record
            state.touch("usageplans", id)
            state.deploymentChanged = true
            return .json(201, entry)
        })
        router.add("GET", "/usageplans/{usageplanId}/keys", { state, call throws in
            var keys = try plan(state, call).children.values
            if let name = call.query("nameQuery") { keys = keys.filter { ($0["name"]?.stringValue ?? "").hasPrefix(name) } }
            return Paging.v1(keys.map { .object($0) }, call: call)
        })
        router.add("GET", "/usageplans/{usageplanId}/keys/{keyId}", { state, call throws in
            guard let key = try plan(state, call).children[call.parameter("keyId")] else {
                throw ManagementError.notFound("Invalid API Key identifier specified")
            }
            return .json(200, key)
        })
        router.add("DELETE", "/usageplans/{usageplanId}/keys/{keyId}", { state, call throws in
            var record = try plan(state, call)
            let keyID = call.parameter("keyId")
            guard record.children[keyID] != nil else { throw ManagementError.notFound("Invalid API Key identifier specified") }
            record.children[keyID] = nil
            let id = call.parameter("usageplanId")
            state.usagePlans[id] = record
            state.touch("usageplans", id)
            state.deploymentChanged = true
            return .empty(202)
        })
        router.add("GET", "/usageplans/{usageplanId}/usage", { state, call throws in
            let record = try plan(state, call)
            guard let start = call.query("startDate"), let end = call.query("endDate") else {
                throw ManagementError.badRequest("The start date and end date are required")
            }
            guard let first = day(start), let last = day(end), first <= last, last - first <= 90 else {
                throw ManagementError.badRequest("startDate and endDate must be dates (yyyy-MM-dd), the end not before the start and at most 90 days apart")
            }
            // Per key, per day: [used, remaining], remaining counted against the plan's quota period.
            let planID = call.parameter("usageplanId")
            let quota = record.object["quota"]?.objectValue.flatMap { quota -> Quota? in
                guard let limit = quota["limit"]?.numberValue, let period = Quota.Period(rawValue: quota["period"]?.stringValue ?? "") else { return nil }
                return Quota(limit: Int(limit), offset: Int(quota["offset"]?.numberValue ?? 0), period: period)
            }
            var items: JSONObject = [:]
            for keyID in record.children.keys where call.query("keyId") == nil || call.query("keyId") == keyID {
                var days: [JSONValue] = []
                for day in first...last {
                    let used = state.usage["\(planID)/\(keyID)/\(day)"] ?? 0
                    var remaining = 0
                    if let quota {
                        let period = quota.periodIndex(epochMillis: Int64(day) * 86_400_000)
                        var spent = 0
                        var earlier = day
                        while earlier >= day - 31, quota.periodIndex(epochMillis: Int64(earlier) * 86_400_000) == period {
                            spent += state.usage["\(planID)/\(keyID)/\(earlier)"] ?? 0
                            earlier -= 1
                        }
                        remaining = max(quota.limit - spent, 0)
                    }
                    days.append([.number(Double(used)), .number(Double(remaining))])
                }
                items[keyID] = .array(days)
            }
            return .json(200, ["usagePlanId": .string(planID), "startDate": .string(start), "endDate": .string(end), "values": .object(items)])  // botocore reads `items` from `values`
        })
    }

    /// `yyyy-MM-dd` → days since the epoch.
    static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return Int(CivilTime.epochSeconds(year: parts[0], month: parts[1], day: parts[2], hour: 0, minute: 0, second: 0) / 86_400)
    }

    static func plan(_ state: ManagementState, _ call: Call) throws -> ParentRecord {
        guard let plan = state.usagePlans[call.parameter("usageplanId")] else {
            throw ManagementError.notFound("Invalid Usage Plan ID specified")
        }
        return plan
    }

    // MARK: Domain names and base path mappings

    static func registerDomainNames(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("POST", "/domainnames", { state, call throws in
            guard let name = call.string("domainName"), !name.isEmpty else { throw ManagementError.badRequest("No Domain Name specified") }
            guard state.domainNames[name] == nil else { throw ManagementError.conflict("The domain name you provided already exists.") }
            var domain: JSONObject = [
                "domainName": .string(name), "domainNameStatus": "AVAILABLE",
                "endpointConfiguration": call.body["endpointConfiguration"] ?? ["types": ["EDGE"]],
                "securityPolicy": call.body["securityPolicy"] ?? "TLS_1_2", "certificateUploadDate": .number(call.now),
            ]
            for field in ["certificateName", "certificateArn", "regionalCertificateName", "regionalCertificateArn", "tags", "mutualTlsAuthentication", "ownershipVerificationCertificateArn"] {
                if let value = call.body[field] { domain[field] = value }
            }
            // An uploaded certificate (PEM) is served by SNI on Portico's TLS listeners; the key is never shown.
            if let body = call.string("certificateBody") {
                guard let key = call.string("certificatePrivateKey") else {
                    throw ManagementError.badRequest("A certificate private key is required with a certificate body")
                }
                domain["_tls"] = ["certificateBody": .string(body), "certificatePrivateKey": .string(key), "certificateChain": call.body["certificateChain"] ?? ""]
            }
            let regional = domain["endpointConfiguration"]?["types"]?.arrayValue?.contains("REGIONAL") == true
            if regional {
                domain["regionalDomainName"] = .string("d-\(Identifier.make()).execute-api.\(call.region).amazonaws.com")
                domain["regionalHostedZoneId"] = "Z2FDTNDATAQYW2"
            } else {
                domain["distributionDomainName"] = .string("d\(Identifier.make(13)).cloudfront.net")
                domain["distributionHostedZoneId"] = "Z2FDTNDATAQYW2"
            }
            state.domainNames[name] = ParentRecord(object: domain)
            state.touch("domainnames", name)
            state.deploymentChanged = true
            return .json(201, presentDomain(domain))
        })
        router.add("GET", "/domainnames", { state, call in
            Paging.v1(state.domainNames.values.map { .object(presentDomain($0.object)) }, call: call)
        })
        router.add("GET", "/domainnames/{domain_name}", { state, call throws in
            .json(200, presentDomain(try domain(state, call).object))
        })
        router.add("PATCH", "/domainnames/{domain_name}", { state, call throws in
            let patch = try PatchOperations(call.body)
            var record = try domain(state, call)
            try patch.apply(to: &record.object, readOnly: ["domainName", "_tls"])
            state.domainNames[call.parameter("domain_name")] = record
            state.touch("domainnames", call.parameter("domain_name"))
            return .json(200, presentDomain(record.object))
        })
        router.add("DELETE", "/domainnames/{domain_name}", { state, call throws in
            _ = try domain(state, call)
            state.domainNames[call.parameter("domain_name")] = nil
            state.touch("domainnames", call.parameter("domain_name"))
            state.deploymentChanged = true
            return .empty(202)
        })
        let mappings = "/domainnames/{domain_name}/basepathmappings"
        router.add("POST", mappings, { state, call throws in
            var record = try domain(state, call)
            var basePath = call.string("basePath") ?? ""
            if basePath.isEmpty { basePath = "(none)" }
            if basePath.contains("/") {
                throw ManagementError.badRequest("API Gateway V1 doesn't support the slash character (/) in base path mappings. To create a multi-level base path mapping, use API Gateway V2.")
            }
            guard let apiID = call.string("restApiId"), let api = state.restAPIs[apiID] else {
                throw ManagementError.badRequest("Invalid REST API identifier specified")
            }
            if let stage = call.string("stage"), api.stages[stage] == nil {
                throw ManagementError.badRequest("Invalid stage identifier specified")
            }
            guard record.children[basePath] == nil else { throw ManagementError.conflict("Base path already exists for this domain name") }
            var mapping: JSONObject = ["basePath": .string(basePath), "restApiId": .string(apiID)]
            if let stage = call.string("stage") { mapping["stage"] = .string(stage) }
            record.children[basePath] = mapping
            state.domainNames[call.parameter("domain_name")] = record
            state.touch("domainnames", call.parameter("domain_name"))
            state.deploymentChanged = true
            return .json(201, mapping)
        })
        router.add("GET", mappings, { state, call throws in
            Paging.v1(try domain(state, call).children.values.map { .object($0) }, call: call)
        })
        router.add("GET", mappings + "/{base_path}", { state, call throws in
            guard let mapping = try domain(state, call).children[basePathKey(call)] else {
                throw ManagementError.notFound("Invalid base path mapping identifier specified")
            }
            return .json(200, mapping)
        })
        router.add("PATCH", mappings + "/{base_path}", { state, call throws in
            let patch = try PatchOperations(call.body)
            var record = try domain(state, call)
            let key = basePathKey(call)
            guard var mapping = record.children[key] else { throw ManagementError.notFound("Invalid base path mapping identifier specified") }
            // AWS's path for the API is `/restapiId`, lower-case a.
            var operations = patch
            operations.operations = patch.operations.map { operation in
                var operation = operation
                if operation.path == ["restapiId"] { operation.path = ["restApiId"] }
                return operation
            }
            try operations.apply(to: &mapping, readOnly: [])
            if let apiID = mapping["restApiId"]?.stringValue, state.restAPIs[apiID] == nil {
                throw ManagementError.badRequest("Invalid REST API identifier specified")
            }
            if let stage = mapping["stage"]?.stringValue, let apiID = mapping["restApiId"]?.stringValue, state.restAPIs[apiID]?.stages[stage] == nil {
                throw ManagementError.badRequest("Invalid stage identifier specified")
            }
            record.children[key] = nil
            let newKey = mapping["basePath"]?.stringValue ?? key
            record.children[newKey.isEmpty ? "(none)" : newKey] = mapping
            state.domainNames[call.parameter("domain_name")] = record
            state.touch("domainnames", call.parameter("domain_name"))
            state.deploymentChanged = true
            return .json(200, mapping)
        })
        router.add("DELETE", mappings + "/{base_path}", { state, call throws in
            var record = try domain(state, call)
            let key = basePathKey(call)
            guard record.children[key] != nil else { throw ManagementError.notFound("Invalid base path mapping identifier specified") }
            record.children[key] = nil
            state.domainNames[call.parameter("domain_name")] = record
            state.touch("domainnames", call.parameter("domain_name"))
            state.deploymentChanged = true
            return .empty(202)
        })
    }

    /// Private fields (the uploaded certificate) are kept, never answered.
    static func presentDomain(_ domain: JSONObject) -> JSONObject {
        domain.filter { !$0.key.hasPrefix("_") }
    }

    static func basePathKey(_ call: Call) -> String {
        let path = call.parameter("base_path")
        return path.isEmpty ? "(none)" : path
    }

    static func domain(_ state: ManagementState, _ call: Call) throws -> ParentRecord {
        guard let domain = state.domainNames[call.parameter("domain_name")] else {
            throw ManagementError.notFound("Invalid domain name identifier specified")
        }
        return domain
    }

    // MARK: Tags

    static func registerTags(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("GET", "/tags/{resource_arn}", { state, call in
            .json(200, ["tags": .object(tags(state, arn: call.parameter("resource_arn")))])
        })
        router.add("PUT", "/tags/{resource_arn}", { state, call throws in
            var current = tags(state, arn: call.parameter("resource_arn"))
            current.merge(call.body["tags"]?.objectValue ?? [:]) { _, new in new }
            try setTags(&state, arn: call.parameter("resource_arn"), current)
            return .empty(204)
        })
        router.add("DELETE", "/tags/{resource_arn}", { state, call throws in
            var current = tags(state, arn: call.parameter("resource_arn"))
            for key in call.request.queryValues("tagKeys") { current[key] = nil }
            try setTags(&state, arn: call.parameter("resource_arn"), current)
            return .empty(204)
        })
    }

    /// `arn:aws:apigateway:{region}::/restapis/{id}` or `…/restapis/{id}/stages/{name}`: tags live on the
    /// object itself, so Get* calls return them; any other ARN keeps its tags aside.
    static func tags(_ state: ManagementState, arn: String) -> JSONObject {
        let parts = Identifier.resourcePath(ofARN: arn)
        if parts.count == 2, parts[0] == "restapis" { return state.restAPIs[parts[1]]?.api["tags"]?.objectValue ?? [:] }
        if parts.count == 4, parts[0] == "restapis", parts[2] == "stages" {
            return state.restAPIs[parts[1]]?.stages[parts[3]]?["tags"]?.objectValue ?? [:]
        }
        return state.otherTags[arn] ?? [:]
    }

    static func setTags(_ state: inout ManagementState, arn: String, _ tags: JSONObject) throws {
        let parts = Identifier.resourcePath(ofARN: arn)
        if parts.count == 2, parts[0] == "restapis" {
            guard state.restAPIs[parts[1]] != nil else { throw ManagementError.notFound("Invalid API identifier specified") }
            state.restAPIs[parts[1]]!.api["tags"] = .object(tags)
            state.touch("restapis", parts[1])
            return
        }
        if parts.count == 4, parts[0] == "restapis", parts[2] == "stages" {
            guard var stage = state.restAPIs[parts[1]]?.stages[parts[3]] else { throw ManagementError.notFound("Invalid stage identifier specified") }
            stage["tags"] = .object(tags)
            state.restAPIs[parts[1]]!.stages[parts[3]] = stage
            state.touch("restapis", parts[1])
            return
        }
        state.otherTags[arn] = tags
        state.touch("tags", arn)
    }
}
