import PorticoModel

extension RestAPIOperations {
    /// The account's settings as AWS reports them before any change.
    static let defaultAccount: JSONObject = [
        "throttleSettings": ["burstLimit": 5000, "rateLimit": 10000.0], "apiKeyVersion": "1", "features": [],
    ]

    static func registerAccountAndLinks(into router: inout AdminRouter<ManagementAPI.Handler>) {
        router.add("GET", "/account", { state, _ in
            .json(200, presentAccount(state.account["account"] ?? defaultAccount))
        })
        router.add("PATCH", "/account", { state, call throws in
            let patch = try PatchOperations(call.body)
            var account = state.account["account"] ?? defaultAccount
            for operation in patch.operations {
                switch operation.path {
                case ["cloudwatchRoleArn"]:
                    account["cloudwatchRoleArn"] = operation.op == "remove" ? nil : operation.value.map { .string($0) }
                case ["features"]:
                    var features = (account["features"]?.arrayValue ?? []).compactMap(\.stringValue)
                    let value = operation.value ?? ""
                    if operation.op == "remove" {
                        // Every account has usage plans enabled, and AWS never turns them off.
                        if value == "UsagePlans" {
                            throw ManagementError.badRequest("Usage Plans cannot be disabled once enabled")
                        }
                        features.removeAll { $0 == value }
                    } else if !features.contains(value) {
                        features.append(value)
                    }
                    account["features"] = .array(features.map { .string($0) })
                default:
                    throw ManagementError.badRequest("Invalid patch path \(operation.rawPath)")
                }
            }
            state.account["account"] = account
            state.touch("account", "account")
            return .json(200, presentAccount(account))
        })

        // VPC links: kept and listed; Portico reaches private backends directly, so a link is a name.
        router.add("POST", "/vpclinks", { state, call throws in
            let name = try call.required("name")
            let id = Identifier.make(6)
            var link: JSONObject = ["id": .string(id), "name": .string(name), "status": "AVAILABLE", "targetArns": call.body["targetArns"] ?? []]
            for field in ["description", "tags"] { if let value = call.body[field] { link[field] = value } }
            state.vpcLinks[id] = link
            state.touch("vpclinks", id)
            return .json(202, link)
        })
        router.add("GET", "/vpclinks", { state, call in Paging.v1(state.vpcLinks.values.map { .object($0) }, call: call) })
        router.add("GET", "/vpclinks/{vpclink_id}", { state, call throws in
            guard let link = state.vpcLinks[call.parameter("vpclink_id")] else { throw ManagementError.notFound("VPCLink not found") }
            return .json(200, link)
        })
        router.add("PATCH", "/vpclinks/{vpclink_id}", { state, call throws in
            let patch = try PatchOperations(call.body)
            let id = call.parameter("vpclink_id")
            guard var link = state.vpcLinks[id] else { throw ManagementError.notFound("VPCLink not found") }
            try patch.apply(to: &link, readOnly: ["id", "status"])
            state.vpcLinks[id] = link
            state.touch("vpclinks", id)
            return .json(200, link)
        })
        router.add("DELETE", "/vpclinks/{vpclink_id}", { state, call throws in
            let id = call.parameter("vpclink_id")
            guard state.vpcLinks[id] != nil else { throw ManagementError.notFound("VPCLink not found") }
            state.vpcLinks[id] = nil
            state.touch("vpclinks", id)
            return .empty(202)
        })
    }

    /// An empty feature list is not shown.
    static func presentAccount(_ account: JSONObject) -> JSONObject {
        var out = account
        if account["features"]?.arrayValue?.isEmpty ?? true { out["features"] = nil }
        return out
    }
}
