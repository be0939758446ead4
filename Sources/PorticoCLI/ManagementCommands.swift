import ArgumentParser
import Foundation
import PorticoModel

/// Options every management command shares.
struct ManagementOptions: ParsableArguments {
    @Option(help: "The management API (the admin listener, or the --dev port). Default $PORTICO_ENDPOINT or http://127.0.0.1:9090.")
    var endpoint: String = ProcessInfo.processInfo.environment["PORTICO_ENDPOINT"] ?? "http://127.0.0.1:9090"

    func client() throws -> ManagementClient { try ManagementClient(endpoint: endpoint) }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import an OpenAPI 3 / Swagger 2 document as a new API through the management API.",
        discussion: "REST APIs use ImportRestApi; --type HTTP uses apigatewayv2's ImportApi. With --stage the import is deployed."
    )

    @Argument(help: "The OpenAPI document (JSON or YAML).")
    var file: String

    @Option(help: "REST (default) or HTTP.")
    var type: String = "REST"

    @Option(help: "Deploy the imported API to this stage.")
    var stage: String?

    @Flag(help: "Fail on warnings, as AWS's failOnWarnings.")
    var failOnWarnings = false

    @OptionGroup var options: ManagementOptions

    func run() async throws {
        let client = try options.client()
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let id: String
        if type.uppercased() == "HTTP" {
            let created = try await client.json("PUT", "/v2/apis", query: failOnWarnings ? "failOnWarnings=true" : "", body: ["body": .string(text)])
            id = created["apiId"]?.stringValue ?? ""
            if let stage {
                _ = try? await client.json("POST", "/v2/apis/\(id)/stages", body: ["stageName": .string(stage)])
                _ = try await client.json("POST", "/v2/apis/\(id)/deployments", body: ["stageName": .string(stage)])
            }
        } else {
            let (_, body) = try await client.call("POST", "/restapis", query: "mode=import" + (failOnWarnings ? "&failonwarnings=true" : ""), body: Array(text.utf8))
            id = try JSONValue.parse(body)["id"]?.stringValue ?? ""
            if let stage {
                _ = try await client.json("POST", "/restapis/\(id)/deployments", body: ["stageName": .string(stage)])
            }
        }
        print(id)
    }
}

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deploy an API's current definition to a stage (creating the stage if needed).")

    @Argument(help: "The API id.")
    var api: String

    @Argument(help: "The stage name.")
    var stage: String

    @Option(help: "A description for the deployment.")
    var description: String?

    @OptionGroup var options: ManagementOptions

    func run() async throws {
        let client = try options.client()
        var body: [String: JSONValue] = ["stageName": .string(stage)]
        if let description { body["description"] = .string(description) }
        let deployment: JSONValue
        if await client.isV2(api) {
            if (try? await client.call("GET", "/v2/apis/\(api)/stages/\(stage.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? stage)")) == nil {
                _ = try await client.json("POST", "/v2/apis/\(api)/stages", body: ["stageName": .string(stage)])
            }
            deployment = try await client.json("POST", "/v2/apis/\(api)/deployments", body: .object(body))
            print(deployment["deploymentId"]?.stringValue ?? "")
        } else {
            deployment = try await client.json("POST", "/restapis/\(api)/deployments", body: .object(body))
            print(deployment["id"]?.stringValue ?? "")
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a stage's deployment as OpenAPI 3 (or Swagger 2) with AWS's extensions.")

    @Argument(help: "The API id.")
    var api: String

    @Argument(help: "The stage name.")
    var stage: String

    @Option(help: "oas30 (default) or swagger (REST APIs only).")
    var format: String = "oas30"

    @Flag(help: "YAML instead of JSON.")
    var yaml = false

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @OptionGroup var options: ManagementOptions

    func run() async throws {
        let client = try options.client()
        let body: [UInt8]
        if await client.isV2(api) {
            let stageQuery = stage.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? stage
            body = try await client.call("GET", "/v2/apis/\(api)/exports/OAS30", query: "outputType=\(yaml ? "YAML" : "JSON")&stageName=\(stageQuery)").body
        } else {
            body = try await client.call(
                "GET", "/restapis/\(api)/stages/\(stage)/exports/\(format)", query: "extensions=integrations",
                accept: yaml ? "application/yaml" : "application/json").body
        }
        if let output {
            try Data(body).write(to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(Data(body))
            if body.last != UInt8(ascii: "\n") { print() }
        }
    }
}
