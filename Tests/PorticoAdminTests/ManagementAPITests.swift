import PorticoModel
import PorticoStorage
import Testing

@testable import PorticoAdmin

/// The management API as botocore drives it, without sockets: requests in, AWS-shaped answers out.
@Suite struct ManagementAPITests {
    static let fixedClock: @Sendable () -> Double = { 1_800_000_000 }

    static func makeAPI(store: any ConfigStore = InMemoryConfigStore(), credentials: [String: String] = [:]) throws -> ManagementAPI {
        try ManagementAPI(store: store, settings: .init(allowsReset: true, credentials: credentials), clock: fixedClock)
    }

    static func call(_ api: ManagementAPI, _ method: String, _ target: String, _ body: JSONValue? = nil) async -> (status: Int, json: JSONValue, headers: [(name: String, value: String)]) {
        let request = AdminRequest(method: method, target: target, headers: [], body: body.map { Array($0.serialized.utf8) } ?? [], sourceIP: "127.0.0.1")
        let response = await api.handle(request)
        let json = response.body.isEmpty ? JSONValue.object([:]) : ((try? JSONValue.parse(response.body)) ?? .null)
        return (response.status, json, response.headers)
    }

    /// Creates an API with `/pets` GET → MOCK and returns (apiID, resourceID).
    static func petsAPI(_ api: ManagementAPI) async throws -> (String, String) {
        let created = await call(api, "POST", "/restapis", ["name": "pets"])
        let apiID = try #require(created.json["id"]?.stringValue)
        let root = try #require(created.json["rootResourceId"]?.stringValue)
        let resource = await call(api, "POST", "/restapis/\(apiID)/resources/\(root)", ["pathPart": "pets"])
        let resourceID = try #require(resource.json["id"]?.stringValue)
        _ = await call(api, "PUT", "/restapis/\(apiID)/resources/\(resourceID)/methods/GET", ["authorizationType": "NONE"])
        _ = await call(api, "PUT", "/restapis/\(apiID)/resources/\(resourceID)/methods/GET/integration", ["type": "MOCK", "requestTemplates": ["application/json": "{\"statusCode\": 200}"]])
        _ = await call(api, "PUT", "/restapis/\(apiID)/resources/\(resourceID)/methods/GET/integration/responses/200", ["responseTemplates": ["application/json": "{\"ok\":true}"]])
        return (apiID, resourceID)
    }

    @Test func createRestAPIAnswersAWSShape() async throws {
        let api = try Self.makeAPI()
        let created = await Self.call(api, "POST", "/restapis", ["name": "demo", "description": "d"])
        #expect(created.status == 201)
        #expect(created.json["name"] == "demo")
        #expect(created.json["apiKeySource"] == "HEADER")
        #expect(created.json["endpointConfiguration"] == ["types": ["EDGE"]])
        #expect(created.json["createdDate"] == .number(1_800_000_000))
        let id = try #require(created.json["id"]?.stringValue)
        #expect(id.count == 10)
        let resources = await Self.call(api, "GET", "/restapis/\(id)/resources")
        #expect(resources.json["item"] == [["id": created.json["rootResourceId"]!, "path": "/"]])
    }

    @Test func unknownIdsAnswerNotFoundWithTheErrorType() async throws {
        let api = try Self.makeAPI()
        let missing = await Self.call(api, "GET", "/restapis/nope")
        #expect(missing.status == 404)
        #expect(missing.headers.contains { $0.name == "x-amzn-ErrorType" && $0.value == "NotFoundException" })
        #expect(missing.json["message"] == "Invalid API identifier specified 123456789012:nope")
        let v2 = await Self.call(api, "GET", "/v2/apis/unknown")
        #expect(v2.json["message"] == "Invalid API identifier specified unknown")
    }

    @Test func resourcePathPartsFollowAWSRules() async throws {
        let api = try Self.makeAPI()
        let created = await Self.call(api, "POST", "/restapis", ["name": "x"])
        let id = created.json["id"]!.stringValue!, root = created.json["rootResourceId"]!.stringValue!
        for bad in ["/users", "users/", "us{er", "us+er", ""] {
            let answer = await Self.call(api, "POST", "/restapis/\(id)/resources/\(root)", ["pathPart": .string(bad)])
            #expect(answer.status == 400, "\(bad)")
        }
        let proxy = await Self.call(api, "POST", "/restapis/\(id)/resources/\(root)", ["pathPart": "{proxy+}"])
        #expect(proxy.json["path"] == "/{proxy+}")
        let twice = await Self.call(api, "POST", "/restapis/\(id)/resources/\(root)", ["pathPart": "{other}"])
        #expect(twice.status == 400)
    }

    @Test func deploymentNeedsMethodsAndIntegrations() async throws {
        let api = try Self.makeAPI()
        let created = await Self.call(api, "POST", "/restapis", ["name": "x"])
        let id = created.json["id"]!.stringValue!, root = created.json["rootResourceId"]!.stringValue!
        let empty = await Self.call(api, "POST", "/restapis/\(id)/deployments", ["stageName": "prod"])
        #expect(empty.json["message"] == "The REST API doesn't contain any methods")
        _ = await Self.call(api, "PUT", "/restapis/\(id)/resources/\(root)/methods/GET", ["authorizationType": "NONE"])
        let noIntegration = await Self.call(api, "POST", "/restapis/\(id)/deployments", ["stageName": "prod"])
        #expect(noIntegration.status == 404)
        #expect(noIntegration.json["message"] == "No integration defined for method")
    }

    @Test func aDeploymentIsASnapshotThatAStageServes() async throws {
        let api = try Self.makeAPI()
        let (id, resource) = try await Self.petsAPI(api)
        let deployment = await Self.call(api, "POST", "/restapis/\(id)/deployments", ["stageName": "prod", "variables": ["v": "1"]])
        #expect(deployment.status == 201)
        #expect(deployment.json["apiSummary"] == nil)
        // A change after the deployment is not served until the next one.
        _ = await Self.call(api, "PUT", "/restapis/\(id)/resources/\(resource)/methods/POST", ["authorizationType": "NONE"])
        let deployed = await api.deployedAPIs()
        let stage = try #require(deployed.first?.stages.first)
        #expect(stage.name == "prod")
        #expect(stage.variables == ["v": "1"])
        #expect(stage.deployment?.map(\.method) == ["GET"])
        #expect(stage.deployment?.first?.integration?.kind == .mock)
        #expect(stage.deployment?.first?.integration?.responses.first?.selectionPattern == "default")
    }

    @Test func stagePatchesMethodSettingsAndVariables() async throws {
        let api = try Self.makeAPI()
        let (id, _) = try await Self.petsAPI(api)
        _ = await Self.call(api, "POST", "/restapis/\(id)/deployments", ["stageName": "prod"])
        let patched = await Self.call(api, "PATCH", "/restapis/\(id)/stages/prod", ["patchOperations": [
            ["op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"],
            ["op": "replace", "path": "/~1pets/GET/caching/enabled", "value": "true"],
            ["op": "replace", "path": "/variables/host", "value": "example.com"],
            ["op": "replace", "path": "/cacheClusterEnabled", "value": "true"],
        ]])
        #expect(patched.status == 200)
        #expect(patched.json["methodSettings"]?["*/*"]?["throttlingRateLimit"] == .number(50))
        #expect(patched.json["methodSettings"]?["~1pets/GET"]?["cachingEnabled"] == true)
        #expect(patched.json["variables"] == ["host": "example.com"])
        #expect(patched.json["cacheClusterStatus"] == "AVAILABLE")
        let badOperation = await Self.call(api, "PATCH", "/restapis/\(id)/stages/prod", ["patchOperations": [["op": "bad", "path": "/description", "value": "x"]]])
        #expect(badOperation.status == 400)
        #expect(badOperation.headers.contains { $0.value == "ValidationException" })
    }

    @Test func apiKeysHideTheirValueUnlessAsked() async throws {
        let api = try Self.makeAPI()
        let short = await Self.call(api, "POST", "/apikeys", ["name": "k", "value": "short"])
        #expect(short.json["message"] == "API Key value should be at least 20 characters")
        let created = await Self.call(api, "POST", "/apikeys", ["name": "k", "value": "0123456789abcdefghijKL"])
        #expect(created.json["value"] == "0123456789abcdefghijKL")
        #expect(created.json["enabled"] == false)
        let id = created.json["id"]!.stringValue!
        #expect(await Self.call(api, "GET", "/apikeys/\(id)").json["value"] == nil)
        #expect(await Self.call(api, "GET", "/apikeys/\(id)?includeValue=true").json["value"] == "0123456789abcdefghijKL")
        #expect(await Self.call(api, "POST", "/apikeys", ["name": "k2", "value": "0123456789abcdefghijKL"]).status == 409)
    }

    @Test func tagsAddressedByAnEncodedARNReachTheStage() async throws {
        let api = try Self.makeAPI()
        let (id, _) = try await Self.petsAPI(api)
        _ = await Self.call(api, "POST", "/restapis/\(id)/deployments", ["stageName": "prod"])
        let arn = "arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F\(id)%2Fstages%2Fprod"
        #expect(await Self.call(api, "PUT", "/tags/\(arn)", ["tags": ["team": "a"]]).status == 204)
        #expect(await Self.call(api, "GET", "/restapis/\(id)/stages/prod").json["tags"] == ["team": "a"])
        #expect(await Self.call(api, "DELETE", "/tags/\(arn)?tagKeys=team").status == 204)
        #expect(await Self.call(api, "GET", "/tags/\(arn)").json["tags"] == [:])
    }

    @Test func httpAPIQuickCreateAutoDeploys() async throws {
        let api = try Self.makeAPI()
        let created = await Self.call(api, "POST", "/v2/apis", ["name": "q", "protocolType": "HTTP", "target": "http://127.0.0.1:9/x"])
        #expect(created.status == 201)
        let id = try #require(created.json["apiId"]?.stringValue)
        let stages = await Self.call(api, "GET", "/v2/apis/\(id)/stages")
        #expect(stages.json["items"]?.arrayValue?.first?["autoDeploy"] == true)
        let deployed = await api.deployedAPIs()
        #expect(deployed.first?.type == .http)
        #expect(deployed.first?.stages.first?.name == "$default")
        #expect(deployed.first?.stages.first?.deployment?.first?.routeKey == "$default")
        // Another route redeploys the auto-deploy stage.
        let integration = created.json["apiId"]!
        _ = integration
        let integrations = await Self.call(api, "GET", "/v2/apis/\(id)/integrations")
        let integrationID = try #require(integrations.json["items"]?.arrayValue?.first?["integrationId"]?.stringValue)
        _ = await Self.call(api, "POST", "/v2/apis/\(id)/routes", ["routeKey": "GET /pets", "target": .string("integrations/\(integrationID)")])
        #expect(await api.deployedAPIs().first?.stages.first?.deployment?.count == 2)
    }

    @Test func listsPageWithPositionAndNextToken() async throws {
        let api = try Self.makeAPI()
        for index in 0..<3 { _ = await Self.call(api, "POST", "/restapis", ["name": .string("api\(index)")]) }
        let first = await Self.call(api, "GET", "/restapis?limit=2")
        #expect(first.json["item"]?.arrayValue?.count == 2)
        let position = try #require(first.json["position"]?.stringValue)
        let second = await Self.call(api, "GET", "/restapis?limit=2&position=\(position)")
        #expect(second.json["item"]?.arrayValue?.map { $0["name"] } == ["api2"])
        #expect(second.json["position"] == nil)
        for index in 0..<3 { _ = await Self.call(api, "POST", "/v2/apis", ["name": .string("h\(index)"), "protocolType": "HTTP"]) }
        let page = await Self.call(api, "GET", "/v2/apis?maxResults=2")
        #expect(page.json["items"]?.arrayValue?.count == 2)
        #expect(page.json["nextToken"] != nil)
    }

    @Test func everyAnsweredChangeIsInTheStore() async throws {
        let store = InMemoryConfigStore()
        let first = try Self.makeAPI(store: store)
        let (id, _) = try await Self.petsAPI(first)
        _ = await Self.call(first, "POST", "/restapis/\(id)/deployments", ["stageName": "prod"])
        _ = await Self.call(first, "POST", "/apikeys", ["name": "k"])
        // A new API over the same store (a restart) sees the same state.
        let second = try Self.makeAPI(store: store)
        #expect(await Self.call(second, "GET", "/restapis/\(id)/stages/prod").status == 200)
        #expect(await Self.call(second, "GET", "/apikeys").json["item"]?.arrayValue?.count == 1)
        #expect(await second.deployedAPIs().count == 1)
        // Reset empties memory and store.
        #expect(await Self.call(second, "POST", "/moto-api/reset").status == 200)
        #expect(try store.loadAll().isEmpty)
        #expect(await Self.call(second, "GET", "/restapis").json["item"] == [])
    }

    @Test func projectFileAPIsAreVisibleAndReadOnly() async throws {
        let store = InMemoryConfigStore()
        let api = try Self.makeAPI(store: store)
        let location = SourceLocation(file: "portico.yaml")
        let operation = APIOperation(path: "/pets/{id}", method: "GET", integration: Integration(kind: .httpProxy, uri: "http://127.0.0.1:9/pets/{id}", httpMethod: "GET", location: location), location: location)
        let file = APIDefinition(id: "petstore", name: "PetStore", type: .rest, operations: [operation], stages: [Stage(name: "prod", variables: ["a": "b"])], location: location)
        let http = APIDefinition(id: "httpapi", name: "H", type: .http, operations: [APIOperation(path: "", method: "ANY", location: location)], stages: [Stage(name: "$default")], location: location)
        await api.setFileAPIs([file, http])
        #expect(await Self.call(api, "GET", "/restapis").json["item"]?.arrayValue?.map { $0["name"] } == ["PetStore"])
        let resources = await Self.call(api, "GET", "/restapis/petstore/resources")
        #expect(resources.json["item"]?.arrayValue?.compactMap { $0["path"]?.stringValue } == ["/", "/pets", "/pets/{id}"])
        #expect(await Self.call(api, "GET", "/restapis/petstore/stages/prod").json["variables"] == ["a": "b"])
        #expect(await Self.call(api, "GET", "/v2/apis/httpapi/routes").json["items"]?.arrayValue?.first?["routeKey"] == "$default")
        // Read-only: a change is refused and nothing reaches the store.
        let patched = await Self.call(api, "PATCH", "/restapis/petstore", ["patchOperations": [["op": "replace", "path": "/name", "value": "x"]]])
        #expect(patched.status == 400)
        #expect(await Self.call(api, "DELETE", "/restapis/petstore").status == 400)
        #expect(try store.loadAll().isEmpty)
        // Served from the file, not from the management API's deployments.
        #expect(await api.deployedAPIs().isEmpty)
        // A reset keeps them.
        _ = await Self.call(api, "POST", "/moto-api/reset")
        #expect(await Self.call(api, "GET", "/restapis/petstore").status == 200)
    }

    @Test func connectionsAreGoneUntilWebSocketsAreServed() async throws {
        let api = try Self.makeAPI()
        for (method, path) in [("POST", "/@connections/abc%3D"), ("GET", "/prod/@connections/abc"), ("DELETE", "/@connections/abc")] {
            let answer = await Self.call(api, method, path)
            #expect(answer.status == 410)
            #expect(answer.headers.contains { $0.value == "GoneException" })
        }
        #expect(ManagementAPI.isManagementPath("/prod/@connections/x"))
    }

    @Test func callsFromOtherHostsNeedCredentials() async throws {
        let api = try Self.makeAPI()
        let request = AdminRequest(method: "GET", target: "/restapis", headers: [], body: [], sourceIP: "10.0.0.7")
        let response = await api.handle(request)
        #expect(response.status == 403)
    }

    @Test func importCreatesResourcesMethodsAndIntegrations() async throws {
        let api = try Self.makeAPI()
        let document = """
            openapi: 3.0.1
            info: {title: imported, version: "2.0"}
            paths:
              /pets/{id}:
                get:
                  responses: {"200": {description: ok}}
                  x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/pets/{id}"}
            """
        let request = AdminRequest(method: "POST", target: "/restapis?mode=import", headers: [("Content-Type", "application/yaml")], body: Array(document.utf8), sourceIP: "127.0.0.1")
        let response = await api.handle(request)
        #expect(response.status == 201)
        let created = try JSONValue.parse(response.body)
        #expect(created["name"] == "imported")
        #expect(created["version"] == "2.0")
        let id = created["id"]!.stringValue!
        let resources = await Self.call(api, "GET", "/restapis/\(id)/resources?embed=methods")
        let paths = resources.json["item"]?.arrayValue?.compactMap { $0["path"]?.stringValue }
        #expect(paths == ["/", "/pets", "/pets/{id}"])
        let method = resources.json["item"]?.arrayValue?.last?["resourceMethods"]?["GET"]
        #expect(method?["methodIntegration"]?["type"] == "HTTP_PROXY")
        #expect(method?["methodResponses"] == ["200": ["statusCode": "200"]])
        let broken = AdminRequest(method: "POST", target: "/restapis?mode=import", headers: [], body: Array(#"{"openapi": "3.0.0", "info": {"title": "x"}}"#.utf8), sourceIP: "127.0.0.1")
        let failure = await api.handle(broken)
        #expect(failure.status == 400)
        #expect(String(decoding: failure.body, as: UTF8.self).contains("'paths' is a required property"))
    }

    @Test func exportWritesTheDeploymentBack() async throws {
        let api = try Self.makeAPI()
        let (id, _) = try await Self.petsAPI(api)
        _ = await Self.call(api, "POST", "/restapis/\(id)/deployments", ["stageName": "prod"])
        let exported = await Self.call(api, "GET", "/restapis/\(id)/stages/prod/exports/oas30?extensions=integrations")
        #expect(exported.status == 200)
        #expect(exported.json["openapi"] == "3.0.1")
        #expect(exported.json["paths"]?["/pets"]?["get"]?["x-amazon-apigateway-integration"]?["type"] == "mock")
        let swagger = await Self.call(api, "GET", "/restapis/\(id)/stages/prod/exports/swagger")
        #expect(swagger.json["swagger"] == "2.0")
        #expect(swagger.json["basePath"] == "/prod")
        #expect(await Self.call(api, "GET", "/restapis/\(id)/stages/prod/exports/raml").status == 400)
    }
}

@Suite struct PatchOperationsTests {
    func apply(_ operations: JSONValue, to object: JSONObject, arrays: Set<String> = []) throws -> JSONObject {
        var object = object
        try PatchOperations(["patchOperations": operations]).apply(to: &object, booleans: ["enabled"], numbers: ["limit"], arrays: arrays)
        return object
    }

    @Test func replaceAddRemoveWithAWSValueTypes() throws {
        let result = try apply([
            ["op": "replace", "path": "/enabled", "value": "True"],
            ["op": "replace", "path": "/limit", "value": "10"],
            ["op": "add", "path": "/requestParameters/method.request.header.x", "value": "true"],
            ["op": "remove", "path": "/description"],
        ], to: ["enabled": false, "description": "d"])
        #expect(result == ["enabled": true, "limit": 10, "requestParameters": ["method.request.header.x": "true"]])
    }

    @Test func listFieldsTakeValuesAndEscapedPaths() throws {
        let added = try apply([
            ["op": "add", "path": "/binaryMediaTypes", "value": "image/png"],
            ["op": "add", "path": "/binaryMediaTypes/image~1jpeg"],
        ], to: [:], arrays: ["binaryMediaTypes"])
        #expect(added["binaryMediaTypes"] == ["image/png", "image/jpeg"])
        let removed = try apply([["op": "remove", "path": "/binaryMediaTypes", "value": "image/png"]], to: added, arrays: ["binaryMediaTypes"])
        #expect(removed["binaryMediaTypes"] == ["image/jpeg"])
        let replaced = try apply([["op": "replace", "path": "/types", "value": "REGIONAL"]], to: ["types": ["EDGE"]], arrays: ["types"])
        #expect(replaced["types"] == ["REGIONAL"])
    }

    @Test func unknownOperationIsAValidationError() {
        #expect(throws: ManagementError.validation("Member must satisfy enum value set: [add, remove, move, test, replace, copy]")) {
            _ = try PatchOperations(["patchOperations": [["op": "explode", "path": "/x"]]])
        }
    }
}

@Suite struct AdminRouterTests {
    @Test func literalsBeatParametersAndEncodedSlashesStayInASegment() {
        var router = AdminRouter<String>()
        router.add("GET", "/restapis/{id}", "api")
        router.add("GET", "/restapis/{id}/resources", "resources")
        router.add("GET", "/tags/{arn}", "tags")
        router.add("POST", "/restapis/{id}/{x}", "param")
        router.add("POST", "/restapis/{id}/deployments", "literal")
        guard case .found(let handler, let parameters) = router.match(method: "GET", path: "/tags/arn%3Aaws%3A%3A%2Frestapis%2Fabc") else {
            Issue.record("no match"); return
        }
        #expect(handler == "tags")
        #expect(parameters["arn"] == "arn:aws::/restapis/abc")
        if case .found(let handler, _) = router.match(method: "POST", path: "/restapis/a/deployments") { #expect(handler == "literal") }
        if case .methodNotAllowed = router.match(method: "DELETE", path: "/restapis/a") {} else { Issue.record("expected method not allowed") }
        if case .notFound = router.match(method: "GET", path: "/nothing") {} else { Issue.record("expected not found") }
    }
}
