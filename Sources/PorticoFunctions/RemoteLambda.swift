import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PorticoModel
import PorticoPipeline

/// Lambda's Invoke API (`POST /2015-03-31/functions/{function}/invocations`, SigV4 for `lambda`):
/// functions that portico.yaml does not run, on real Lambda or any Lambda-compatible server.
public struct RemoteLambda: FunctionInvoker {
    let config: RemoteLambdaConfig
    let logger: Logger
    let credentials: (key: String, secret: String, token: String?)?

    public init(config: RemoteLambdaConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        let environment = ProcessInfo.processInfo.environment
        if let key = config.accessKeyID ?? environment["AWS_ACCESS_KEY_ID"], let secret = config.secretAccessKey ?? environment["AWS_SECRET_ACCESS_KEY"] {
            credentials = (key, secret, config.sessionToken ?? environment["AWS_SESSION_TOKEN"])
        } else {
            credentials = nil
        }
    }

    public func invoke(_ function: String, functionARN: String, payload: [UInt8], timeoutMillis: Int) async -> FunctionOutcome {
        // The ARN names the function (and its qualifier) exactly; it is one path segment, encoded.
        let name = functionARN.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? function
        let path = "/2015-03-31/functions/\(name)/invocations"
        guard let base = URL(string: config.endpoint), let host = base.host, let url = URL(string: config.endpoint.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            return .failure("the lambda endpoint \(config.endpoint) is not a URL")
        }
        var request = URLRequest(url: url, timeoutInterval: Double(timeoutMillis) / 1000)
        request.httpMethod = "POST"
        request.httpBody = Data(payload)
        var headers: [(name: String, value: String)] = [
            ("Host", base.port.map { "\(host):\($0)" } ?? host), ("Content-Type", "application/json"), ("X-Amz-Invocation-Type", "RequestResponse"),
        ]
        if let credentials {
            if let token = credentials.token { headers.append(("X-Amz-Security-Token", token)) }
            let unsigned = SigV4.Request(method: "POST", rawPath: (base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path) + path, rawQuery: "", headers: headers, body: payload)
            headers += SigV4.sign(unsigned, accessKey: credentials.key, secretKey: credentials.secret, region: config.region, service: "lambda", now: Int64(Date().timeIntervalSince1970))
        }
        for (name, value) in headers where name != "Host" { request.setValue(value, forHTTPHeaderField: name) }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .failure("Lambda Invoke gave no HTTP response") }
            if http.statusCode == 429 { return .throttled }
            guard (200..<300).contains(http.statusCode) else {
                let type = http.value(forHTTPHeaderField: "x-amzn-ErrorType") ?? "error"
                return .failure("Lambda Invoke of \(function) answered \(http.statusCode) \(type): \(String(decoding: data.prefix(500), as: UTF8.self))")
            }
            if http.value(forHTTPHeaderField: "X-Amz-Function-Error") != nil { return .error(Array(data)) }
            return .result(Array(data))
        } catch {
            if (error as? URLError)?.code == .timedOut { return .timeout }
            return .failure("Lambda Invoke of \(function) failed: \(error)")
        }
    }
}

/// Local functions first; any other name goes to the remote Invoke API when one is configured.
public struct FunctionRouter: FunctionInvoker {
    let local: FunctionPool?
    let localNames: Set<String>
    let remote: RemoteLambda?

    public init(local: FunctionPool?, localNames: Set<String>, remote: RemoteLambda?) {
        self.local = local
        self.localNames = localNames
        self.remote = remote
    }

    public func invoke(_ function: String, functionARN: String, payload: [UInt8], timeoutMillis: Int) async -> FunctionOutcome {
        if localNames.contains(function), let local {
            return await local.invoke(function, functionARN: functionARN, payload: payload, timeoutMillis: timeoutMillis)
        }
        if let remote { return await remote.invoke(function, functionARN: functionARN, payload: payload, timeoutMillis: timeoutMillis) }
        return .failure("no function named \(function)")
    }
}
