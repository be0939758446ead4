import PorticoModel

/// Runs one request through a definition that is not deployed (TestInvokeMethod). The server
/// implements it with the data plane's own pipeline, so a test invocation behaves as a deployed call.
public protocol TestInvoker: Sendable {
    func invoke(_ api: APIDefinition, stage: String, method: String, pathWithQuery: String, headers: [(name: String, value: String)], body: [UInt8]) async -> TestInvocation
}

public struct TestInvocation: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var latencyMillis: Int
    /// What happened, step by step, as AWS's `log` field reports it.
    public var log: [String]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], latencyMillis: Int, log: [String]) {
        self.status = status
        self.headers = headers
        self.body = body
        self.latencyMillis = latencyMillis
        self.log = log
    }
}

/// TestInvokeMethod (`POST /restapis/{id}/resources/{resource}/methods/{method}`): the method as it
/// is now, deployed nowhere, called with the request the body describes.
enum TestInvoke {
    static let stageName = "test-invoke-stage"

    /// `(apiID, resourceID, method)` when `path` names a method.
    static func target(_ request: AdminRequest) -> (String, String, String)? {
        guard request.method == "POST" else { return nil }
        let parts = request.path.split(separator: "/").map { AdminRequest.decode($0) }
        guard parts.count == 6, parts[0] == "restapis", parts[2] == "resources", parts[4] == "methods" else { return nil }
        return (parts[1], parts[3], parts[5].uppercased())
    }

    static func run(_ state: ManagementState, _ request: AdminRequest, invoker: (any TestInvoker)?, account: String) async throws -> AdminResponse {
        guard let (apiID, resourceID, method) = target(request) else { throw ManagementError.notFound("Not Found") }
        guard let record = state.restAPIs[apiID] else { throw ManagementError.notFound("Invalid API identifier specified \(account):\(apiID)") }
        guard let resource = record.resources[resourceID] else { throw ManagementError.notFound("Invalid resource identifier specified") }
        guard resource["resourceMethods"]?[method] != nil else { throw ManagementError.notFound("Invalid Method identifier specified") }
        guard let invoker else { throw ManagementError(type: "ServiceUnavailableException", status: 503, message: "Test invocations need a running data plane") }
        let body = try request.json()
        let location = SourceLocation(file: "management API", pointer: "/restapis/\(apiID)")
        // Only the invoked method, as it is now: other methods need not be complete.
        var only = ObjectMap()
        var single = resource
        single["resourceMethods"] = .object([method: resource["resourceMethods"]![method]!])
        only[resourceID] = single
        // AWS's test invocations skip authorization.
        let models = DeployedAPIs.models(of: record)
        let operations = DeployedAPIs.operations(restResources: only, record: record, models: models, location: location).map { operation -> APIOperation in
            var operation = operation
            operation.authorizer = nil
            return operation
        }
        let variables = DeployedAPIs.strings(body["stageVariables"])
        var api = APIDefinition(
            id: apiID, name: record.api["name"]?.stringValue ?? apiID, type: .rest, operations: operations,
            stages: [Stage(name: stageName, variables: variables)], location: location
        )
        api.models = models
        var headers: [(name: String, value: String)] = []
        for (name, value) in body["headers"]?.objectValue ?? [:] { if let text = value.stringValue { headers.append((name, text)) } }
        for (name, values) in body["multiValueHeaders"]?.objectValue ?? [:] {
            for value in values.arrayValue ?? [] { if let text = value.stringValue { headers.append((name, text)) } }
        }
        var path = body["pathWithQueryString"]?.stringValue ?? resource["path"]?.stringValue ?? "/"
        if !path.hasPrefix("/") { path = "/" + path }
        let payload = Array((body["body"]?.stringValue ?? "").utf8)
        let result = await invoker.invoke(api, stage: stageName, method: method, pathWithQuery: path, headers: headers, body: payload)
        var single_: JSONObject = [:]
        var multi: JSONObject = [:]
        for (name, value) in result.headers {
            single_[name] = .string(value)
            multi[name] = .array((multi[name]?.arrayValue ?? []) + [.string(value)])
        }
        return .json(200, [
            "status": .number(Double(result.status)), "body": .string(String(decoding: result.body, as: UTF8.self)),
            "headers": .object(single_), "multiValueHeaders": .object(multi), "latency": .number(Double(result.latencyMillis)),
            "log": .string(result.log.joined(separator: "\n")),
        ])
    }
}
