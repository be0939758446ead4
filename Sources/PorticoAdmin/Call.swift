import PorticoModel

/// One management call being handled: the request, its path parameters and body, and the facts a
/// handler needs (region and account for ARNs, the time).
struct Call: Sendable {
    var request: AdminRequest
    var parameters: [String: String]
    var body: JSONObject
    var region: String
    var account: String
    /// Seconds since the epoch, whole (AWS's dates are second-precise).
    var now: Double

    func parameter(_ name: String) -> String { parameters[name] ?? "" }

    func string(_ name: String) -> String? { body[name]?.stringValue }

    func bool(_ name: String) -> Bool? {
        switch body[name] {
        case .bool(let value): value
        case .string(let text): text.lowercased() == "true" ? true : text.lowercased() == "false" ? false : nil
        default: nil
        }
    }

    func query(_ name: String) -> String? { request.queryValue(name) }

    func queryBool(_ name: String) -> Bool { request.queryValue(name)?.lowercased() == "true" }

    func required(_ name: String) throws -> String {
        guard let value = string(name), !value.isEmpty else {
            throw ManagementError.badRequest("\(name) is required")
        }
        return value
    }
}

/// Random identifiers in AWS's alphabet (lower-case letters and digits).
enum Identifier {
    static func make(_ length: Int = 10) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// `arn:aws:apigateway:{region}::/restapis/abc/stages/prod` → `["restapis", "abc", "stages", "prod"]`.
    /// The region is not compared: a tag call from any region reaches the resource.
    static func resourcePath(ofARN arn: String) -> [String] {
        let path = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return path.split(separator: "/").map(String.init)
    }

    /// API key values: 40 letters and digits, mixed case.
    static func apiKeyValue() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

/// AWS's two paging styles.
enum Paging {
    /// `apigateway`: `?position=&limit=` → `{"item": [...], "position": "..."}` (default limit 25, max 500).
    static func v1(_ items: [JSONValue], call: Call, key: String = "item") -> AdminResponse {
        let limit = min(max(Int(call.query("limit") ?? "") ?? 25, 1), 500)
        let start = Int(call.query("position") ?? "") ?? 0
        let page = Array(items.dropFirst(start).prefix(limit))
        var body: JSONObject = [key: .array(page)]
        if start + page.count < items.count { body["position"] = .string(String(start + page.count)) }
        return .json(200, body)
    }

    /// `apigatewayv2`: `?nextToken=&maxResults=` → `{"items": [...], "nextToken": "..."}`.
    static func v2(_ items: [JSONValue], call: Call) -> AdminResponse {
        let limit = max(Int(call.query("maxResults") ?? "") ?? 100, 1)
        let start = Int(call.query("nextToken") ?? "") ?? 0
        let page = Array(items.dropFirst(start).prefix(limit))
        var body: JSONObject = ["items": .array(page)]
        if start + page.count < items.count { body["nextToken"] = .string(String(start + page.count)) }
        return .json(200, body)
    }
}
