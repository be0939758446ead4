import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PorticoModel
import PorticoPipeline

/// A small client of Portico's management API for `portico import|export|deploy`: JSON over
/// HTTP, signed with SigV4 when `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are set.
struct ManagementClient {
    var endpoint: URL
    var region: String
    var credentials: (key: String, secret: String)?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(endpoint: String) throws {
        guard let url = URL(string: endpoint), url.host != nil else { throw Failure(description: "not a URL: \(endpoint)") }
        self.endpoint = url
        let environment = ProcessInfo.processInfo.environment
        region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        if let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] {
            credentials = (key, secret)
        }
    }

    /// Sends one call; returns the status and body, or throws with AWS's error message.
    @discardableResult
    func call(_ method: String, _ path: String, query: String = "", body: [UInt8] = [], accept: String = "application/json") async throws -> (status: Int, body: [UInt8]) {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = path
        components.percentEncodedQuery = query.isEmpty ? nil : query
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        request.timeoutInterval = 30
        var headers: [(name: String, value: String)] = [("Host", endpoint.port.map { "\(endpoint.host!):\($0)" } ?? endpoint.host!), ("Accept", accept)]
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        if let credentials {
            let unsigned = SigV4.Request(method: method, rawPath: path, rawQuery: query, headers: headers, body: body)
            headers += SigV4.sign(unsigned, accessKey: credentials.key, secretKey: credentials.secret, region: region, service: "apigateway", now: Int64(Date().timeIntervalSince1970))
        }
        for (name, value) in headers where name != "Host" { request.setValue(value, forHTTPHeaderField: name) }
        if !body.isEmpty { request.httpBody = Data(body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let json = try? JSONValue.parse(Array(data))
            let type = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "x-amzn-ErrorType") ?? "error"
            throw Failure(description: "\(method) \(path): \(status) \(type): \(json?["message"]?.stringValue ?? String(decoding: data, as: UTF8.self))")
        }
        return (status, Array(data))
    }

    func json(_ method: String, _ path: String, query: String = "", body: JSONValue? = nil) async throws -> JSONValue {
        let (_, data) = try await call(method, path, query: query, body: body.map { Array($0.serialized.utf8) } ?? [])
        return data.isEmpty ? .object([:]) : try JSONValue.parse(data)
    }

    /// Whether `id` is an HTTP or WebSocket API (apigatewayv2) rather than a REST API.
    func isV2(_ id: String) async -> Bool {
        (try? await call("GET", "/v2/apis/\(id)")) != nil
    }
}
