import NIOCore
import NIOHTTP1
import PorticoModel

/// An HTTP API's CORS configuration, compiled: API Gateway answers preflight requests itself (with
/// or without an OPTIONS route) and adds the configured headers to every response to an allowed
/// origin, in place of any CORS headers the integration sent.
public struct CompiledCORS: Sendable {
    let anyOrigin: Bool
    let origins: Set<String>
    let allowMethods: String?
    let allowHeaders: String?
    let exposeHeaders: String?
    let maxAge: String?
    let allowCredentials: Bool

    public init(_ configuration: CORSConfiguration) {
        anyOrigin = configuration.allowOrigins.contains("*")
        origins = Set(configuration.allowOrigins.map { $0.lowercased() })
        func joined(_ list: [String]) -> String? { list.isEmpty ? nil : list.joined(separator: ",") }
        allowMethods = joined(configuration.allowMethods)
        allowHeaders = joined(configuration.allowHeaders.map { $0.lowercased() })
        exposeHeaders = joined(configuration.exposeHeaders.map { $0.lowercased() })
        maxAge = configuration.maxAge.map(String.init)
        allowCredentials = configuration.allowCredentials
    }

    /// `Access-Control-Allow-Origin`'s value for `origin`: `*` or the origin itself; nil when not allowed.
    func allowedOrigin(_ origin: String) -> String? {
        if anyOrigin { return "*" }
        return origins.contains(origin.lowercased()) ? origin : nil
    }

    /// A preflight: OPTIONS with `Origin` and `Access-Control-Request-Method`.
    static func isPreflight<Head: RequestHead>(_ head: Head) -> Bool {
        head.method == .OPTIONS && head.field("origin") != nil && head.field("access-control-request-method") != nil
    }

    /// The answer to a preflight: 204, with the configuration's headers when the origin is allowed.
    func preflight(origin: String) -> PreparedResponse {
        var headers: [(String, String)] = []
        if let allowed = allowedOrigin(origin) {
            headers.append(("access-control-allow-origin", allowed))
            if allowCredentials { headers.append(("access-control-allow-credentials", "true")) }
            if let allowMethods { headers.append(("access-control-allow-methods", allowMethods)) }
            if let allowHeaders { headers.append(("access-control-allow-headers", allowHeaders)) }
            if let exposeHeaders { headers.append(("access-control-expose-headers", exposeHeaders)) }
            if let maxAge { headers.append(("access-control-max-age", maxAge)) }
        }
        return PreparedResponse(status: .noContent, headers: headers, contentType: nil, body: ByteBuffer())
    }

    /// The headers added to a response to a request from `origin`; empty when it is not allowed.
    func responseFields(origin: String?) -> [(String, String)] {
        guard let origin, let allowed = allowedOrigin(origin) else { return [] }
        var fields = [("access-control-allow-origin", allowed)]
        if allowCredentials { fields.append(("access-control-allow-credentials", "true")) }
        if let exposeHeaders { fields.append(("access-control-expose-headers", exposeHeaders)) }
        return fields
    }

    /// Whether a response field is one of the integration's CORS headers, which the gateway's replace.
    public static func isCORSField(_ name: some StringProtocol) -> Bool {
        name.utf8.count > 15 && name.lowercased().hasPrefix("access-control-")
    }
}
