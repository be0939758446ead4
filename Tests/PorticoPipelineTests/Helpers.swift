import NIOCore
import NIOHTTP1
import PorticoDefinitions
import PorticoModel
import Testing

@testable import PorticoPipeline

/// Compiles one OpenAPI document (YAML) as an API of `type` with `stages`; `project` adds the rest of
/// a portico.yaml (credentials, keys, …).
func compileAPI(
    _ yaml: String, type: APIType = .rest, id: String = "api123", stages: [Stage] = [Stage(name: "prod")],
    limits: Limits = Limits(), project configure: (inout ProjectConfig) -> Void = { _ in }
) throws -> CompiledGateway {
    guard case .success(let root) = DocumentNode.parse(yaml, file: "test.yaml") else { throw TestFailure("parse") }
    let (api, readDiagnostics) = OpenAPIReader.read(root, id: id, name: nil, type: type, stages: stages)
    guard let api, !readDiagnostics.hasErrors else { throw TestFailure("\(readDiagnostics)") }
    var project = ProjectConfig(limits: limits, apis: [api])
    configure(&project)
    let (gateway, diagnostics) = Compiler.compile(project)
    guard let gateway else { throw TestFailure("\(diagnostics)") }
    return gateway
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `Pipeline.decide` for a request.
func decide(
    _ gateway: CompiledGateway, _ method: HTTPMethod, _ uri: String, headers: [(String, String)] = []
) -> (Pipeline.Decision, Pipeline.Routed) {
    var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
    for (name, value) in headers { head.headers.add(name: name, value: value) }
    let (path, query) = Pipeline.splitTarget(uri)
    var routed = Pipeline.Routed(apiType: .rest)
    let decision = Pipeline.decide(
        head: head, path: path, query: query, requestID: { var generator = RequestIDGenerator(); return generator.make() }(), sourceIP: "10.1.2.3",
        forwarded: ForwardedInfo(proto: "http", port: 8080), gateway: gateway, routed: &routed
    )
    return (decision, routed)
}

extension Pipeline.Decision {
    var error: GatewayError? {
        if case .fail(let error) = self { return error }
        return nil
    }

    /// The upstream request, parsed back from the bytes Portico would send.
    var upstreamHead: HTTPRequestHead? {
        guard case .forward(_, let request) = self,
              let (head, consumed) = try? HTTP1Parser.parseRequestHead(request.head, limit: 65_536),
              consumed == request.head.readableBytes
        else { return nil }
        return HTTPRequestHead(version: head.version, method: head.method, uri: head.uri, headers: head.fields.httpHeaders)
    }

    var prepared: PreparedResponse? {
        if case .respond(let response) = self { return response }
        return nil
    }
}

/// An OpenAPI document with one operation, `method path`, whose integration is `integration`
/// (a YAML flow mapping).
func singleRouteAPI(path: String = "/a", method: String = "get", integration: String) -> String {
    """
    openapi: 3.0.1
    info: {title: t, version: "1"}
    paths:
      \(path):
        \(method):
          x-amazon-apigateway-integration: \(integration)
    """
}

/// An integration block for a route that proxies to `uri`.
func proxy(_ uri: String, method: String = "ANY") -> String {
    "{type: http_proxy, httpMethod: \(method), uri: \"\(uri)\"}"
}
