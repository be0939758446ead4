import Foundation
import PorticoModel
import Testing

@testable import PorticoDefinitions

@Suite struct ProjectReaderTests {
    func write(_ files: [String: String]) throws -> String {
        let directory = NSTemporaryDirectory() + "portico-project-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func readsEverySection() throws {
        let directory = try write([
            "portico.yaml": """
                listeners:
                  - {host: 127.0.0.1, port: 8081, http2: false}
                admin: {port: 9191}
                accessLog: {format: "$context.requestId $context.status", destination: stdout}
                limits: {maxPayloadBytes: 67108864, maxIntegrationTimeoutMillis: 60000, eventLoops: 3}
                sidecars:
                  - {name: backend, command: [python3, app.py], readyPort: 9001}
                apis:
                  - name: Pets
                    type: REST
                    definition: pets.yaml
                    stages:
                      - name: prod
                        variables: {backend: "127.0.0.1:9001"}
                  - name: Inline
                    type: HTTP
                    openapi:
                      openapi: 3.0.1
                      info: {title: inline, version: "1"}
                      paths:
                        /x:
                          get:
                            x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:1/x", timeoutInMillis: 45000}
                """,
            "pets.yaml": Self.minimalAPI,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, diagnostics) = ProjectReader.load(path: directory + "/portico.yaml")
        let project = try #require(config, "\(diagnostics)")
        #expect(project.listeners == [ListenerConfig(host: "127.0.0.1", port: 8081, http2: false)])
        #expect(project.admin?.host == "127.0.0.1")
        #expect(project.admin?.port == 9191)
        // The management API's state defaults to a file beside portico.yaml.
        #expect(project.admin?.stateFile?.hasSuffix("/.portico/state.sqlite") == true)
        #expect(project.accessLog.format == "$context.requestId $context.status")
        #expect(project.limits.maxPayloadBytes == 64 * 1024 * 1024)
        #expect(project.limits.eventLoops == 3)
        #expect(project.sidecars.first?.command == ["python3", "app.py"])
        #expect(project.apis.count == 2)
        #expect(project.apis[0].id == ProjectReader.apiID(for: "Pets"))
        #expect(project.apis[0].stages == [Stage(name: "prod", variables: ["backend": "127.0.0.1:9001"])])
        // An HTTP API without stages gets the $default stage, as AWS's quick create does.
        #expect(project.apis[1].stages == [Stage(name: "$default")])
        // A raised limit allows a longer integration timeout.
        #expect(project.apis[1].operations.first?.integration?.timeoutMillis == 45000)
        #expect(project.sourceFiles.count == 2)
    }

    @Test func jsonProjectsWork() throws {
        let directory = try write([
            "portico.json": #"{"apis": [{"name": "a", "id": "abc", "definition": "api.yaml", "stages": [{"name": "dev"}]}]}"#,
            "api.yaml": Self.minimalAPI,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, diagnostics) = ProjectReader.load(path: directory + "/portico.json")
        #expect(config?.apis.first?.id == "abc", "\(diagnostics)")
    }

    @Test func problemsPointAtTheirPlace() throws {
        let directory = try write([
            "portico.yaml": """
                listeners:
                  - {port: 99999}
                apis:
                  - name: a
                    type: SOAP
                    definition: a.yaml
                  - name: b
                    definition: missing.yaml
                    stages: [{name: "bad stage"}]
                """,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, diagnostics) = ProjectReader.load(path: directory + "/portico.yaml")
        #expect(config == nil)
        let messages = diagnostics.map { "\($0.location.line ?? 0): \($0.message)" }
        #expect(messages.contains("2: port must be 0–65535"))
        #expect(messages.contains("5: API type must be REST, HTTP or WEBSOCKET"))
        #expect(messages.contains { $0.hasPrefix("9: a stage name may hold only") })
        #expect(messages.contains { $0.hasPrefix("8: cannot read the definition") })
    }

    @Test func apiKeysUsagePlansAndThrottles() throws {
        let api = "openapi: 3.0.1\ninfo: {title: a, version: '1'}\npaths: {}\n"
        let good = try write([
            "a.yaml": api,
            "portico.yaml": """
                limits: {accountThrottle: {rateLimit: 500, burstLimit: 100}}
                apiKeys:
                  - {name: k1, value: abcdefghijklmnopqrstuvwxyz}
                  - {name: k2, enabled: false}
                usagePlans:
                  - name: basic
                    apiStages: [{api: a, stage: prod, throttle: {"/pets/GET": {rateLimit: 1, burstLimit: 2}}}]
                    throttle: {rateLimit: 10, burstLimit: 20}
                    quota: {limit: 1000, offset: 1, period: WEEK}
                    keys: [k1, k2]
                apis:
                  - {name: a, definition: a.yaml, stages: [{name: prod, throttling: {rateLimit: 5, burstLimit: 6}, methodThrottling: {"*/*": {rateLimit: 7, burstLimit: 8}}}]}
                """,
        ])
        defer { try? FileManager.default.removeItem(atPath: good) }
        let (config, diagnostics) = ProjectReader.load(path: good + "/portico.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(config?.limits.accountThrottle == Throttling(rateLimit: 500, burstLimit: 100))
        #expect(config?.apiKeys.map(\.name) == ["k1", "k2"])
        #expect(config?.apiKeys.last?.enabled == false && config?.apiKeys.last?.value == nil)
        let plan = try #require(config?.usagePlans.first)
        #expect(plan.quota == UsagePlanConfig.QuotaSettings(limit: 1000, offset: 1, period: .week))
        #expect(plan.apiStages.first?.methodThrottles["/pets/GET"] == Throttling(rateLimit: 1, burstLimit: 2))
        #expect(config?.apis.first?.stages.first?.methodThrottling["*/*"] == Throttling(rateLimit: 7, burstLimit: 8))

        let bad = try write([
            "a.yaml": api,
            "portico.yaml": """
                apiKeys:
                  - {name: k1, value: short}
                usagePlans:
                  - name: p
                    apiStages: [{api: nope, stage: prod}]
                    quota: {limit: 10, offset: 9, period: WEEK}
                    keys: [k9]
                apis:
                  - {name: a, definition: a.yaml, stages: [{name: prod, methodThrottling: {pets: {rateLimit: 1, burstLimit: 1}}}]}
                """,
        ])
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let messages = ProjectReader.load(path: bad + "/portico.yaml").1.map(\.message)
        #expect(messages.contains { $0.contains("at least 20 characters") })
        #expect(messages.contains { $0.contains("no API 'nope' with a stage 'prod'") })
        #expect(messages.contains { $0.contains("offset must be 0–6") })
        #expect(messages.contains { $0.contains("no API key 'k9'") })
        #expect(messages.contains { $0.contains("methodThrottling keys are /resource/METHOD") })
    }

    @Test func apiIDsAreStableAndShapedLikeAWS() {
        let id = ProjectReader.apiID(for: "PetStore")
        #expect(id == ProjectReader.apiID(for: "PetStore"))
        #expect(id.count == 10)
        #expect(id.allSatisfy { $0.isLowercase || $0.isNumber })
        #expect(id != ProjectReader.apiID(for: "PetStore2"))
    }

    static let minimalAPI = """
        openapi: 3.0.1
        info: {title: minimal, version: "1"}
        paths:
          /ping:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: "200"}}
        """
}
