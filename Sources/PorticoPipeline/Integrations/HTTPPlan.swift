import NIOCore
import NIOHTTP1

/// An HTTP or HTTP_PROXY integration of one stage, compiled: the upstream's address parsed, stage
/// variables substituted, the path template split into pieces, parameter mappings parsed.
public struct HTTPPlan: Sendable {
    public enum PathPiece: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    /// HTTP_PROXY passes the request and response through; HTTP (non-proxy) forwards only what is
    /// mapped and shapes the response with integration responses.
    public let isProxy: Bool
    public let upstream: UpstreamAddress
    public let pathPieces: [PathPiece]
    /// The query written in the integration URI, if any (without `?`).
    public let uriQuery: String?
    /// nil passes the client's method through (`ANY`).
    public let method: HTTPMethod?
    public let timeout: TimeAmount
    public let timeoutMillis: Int
    public let pathMappings: [String: ValueSource]
    public let queryMappings: [(name: String, source: ValueSource)]
    public let headerMappings: [(name: String, source: ValueSource)]
    /// For HTTP (non-proxy) integrations.
    public let responses: IntegrationResponses?

    /// The request to send upstream, or the gateway error that stops it.
    ///
    /// `appendPath` is the request path that HTTP APIs append to the URI of the `$default` route.
    public func upstreamHead(
        for values: RequestValues, forwarded: ForwardedInfo, hasBody: Bool, appendPath: Substring? = nil
    ) -> Result<HTTPRequestHead, GatewayError> {
        var target = ""
        for piece in pathPieces {
            switch piece {
            case .literal(let text): target += text
            case .parameter(let name):
                if let source = pathMappings[name] {
                    guard let value = values.value(of: source) else { return .failure(.internalError) }
                    if case .pathParameter = source { target += value } else { target += PercentEncoding.encode(value) }
                } else if let raw = values.match.pathParameter(name) {
                    target += raw
                } else {
                    return .failure(.internalError)
                }
            }
        }
        if let appendPath, appendPath != "/" || target.isEmpty {
            if target.hasSuffix("/") { target.removeLast() }
            target += appendPath
        }
        if target.isEmpty { target = "/" }
        var query = uriQuery ?? ""
        if isProxy, !values.query.isEmpty {
            query += query.isEmpty ? "" : "&"
            query += values.query
        }
        for (name, source) in queryMappings {
            guard let value = values.value(of: source) else { continue }
            query += query.isEmpty ? "" : "&"
            query += PercentEncoding.encode(name) + "=" + PercentEncoding.encode(value)
        }
        if !query.isEmpty { target += "?" + query }

        let incoming = values.head.headers
        var headers = HTTPHeaders()
        if isProxy {
            let named = Self.connectionTokens(incoming)
            headers.reserveCapacity(incoming.count + 4)
            for (name, value) in incoming {
                if HeaderName.isHopByHop(name) || HeaderName.equals(name, "host") { continue }
                if HeaderName.equals(name, "x-forwarded-for") || HeaderName.equals(name, "x-forwarded-proto")
                    || HeaderName.equals(name, "x-forwarded-port")
                {
                    continue
                }
                if !named.isEmpty && named.contains(where: { HeaderName.equals(name, ignoringCase: $0) }) { continue }
                headers.add(name: name, value: value)
            }
        } else {
            for name in ["content-type", "content-length"] {
                for value in incoming[name] { headers.add(name: name, value: value) }
            }
        }
        for (name, source) in headerMappings {
            if let value = values.value(of: source) { headers.replaceOrAdd(name: name, value: value) }
        }
        if hasBody, !headers.contains(name: "content-length") {
            headers.add(name: "transfer-encoding", value: "chunked")
        } else if !hasBody, !headers.contains(name: "content-length"), (method ?? values.head.method).hasRequestBody {
            headers.add(name: "content-length", value: "0")
        }
        headers.add(name: "host", value: upstream.hostHeader)
        let previous = incoming["x-forwarded-for"].joined(separator: ", ")
        headers.add(name: "x-forwarded-for", value: previous.isEmpty ? values.sourceIP : previous + ", " + values.sourceIP)
        headers.add(name: "x-forwarded-proto", value: forwarded.proto)
        headers.add(name: "x-forwarded-port", value: String(forwarded.port))
        return .success(HTTPRequestHead(version: .http1_1, method: method ?? values.head.method, uri: target, headers: headers))
    }

    /// Header names listed in `Connection`, which are hop-by-hop for this message (`close` and
    /// `keep-alive` are options, not names, and are skipped).
    static func connectionTokens(_ headers: HTTPHeaders) -> [String] {
        var tokens: [String] = []
        for (name, value) in headers where HeaderName.equals(name, "connection") {
            for token in value.split(separator: ",") {
                let text = token.trimmingSpaces()
                if HeaderName.equals(text, "close") || HeaderName.equals(text, "keep-alive") || text.isEmpty { continue }
                tokens.append(text)
            }
        }
        return tokens
    }

    /// The upstream response's headers as the client gets them: hop-by-hop ones removed.
    public static func clientHeaders(fromUpstream headers: HTTPHeaders) -> HTTPHeaders {
        let named = connectionTokens(headers)
        var result = HTTPHeaders()
        result.reserveCapacity(headers.count)
        for (name, value) in headers {
            if HeaderName.isHopByHop(name) { continue }
            if !named.isEmpty && named.contains(where: { HeaderName.equals(name, ignoringCase: $0) }) { continue }
            result.add(name: name, value: value)
        }
        return result
    }
}

extension HTTPMethod {
    var hasRequestBody: Bool {
        switch self {
        case .POST, .PUT, .PATCH: return true
        default: return false
        }
    }
}

/// How the client reached Portico, for `X-Forwarded-Proto` and `X-Forwarded-Port`.
public struct ForwardedInfo: Sendable {
    public let proto: String
    public let port: Int

    public init(proto: String, port: Int) {
        self.proto = proto
        self.port = port
    }
}

/// Scheme, host and port of an upstream: the key of its connection pool.
public struct UpstreamAddress: Sendable, Hashable {
    public let tls: Bool
    public let host: String
    public let port: Int
    /// The Host header to send: `host` or `host:port` when the port is not the scheme's default.
    public let hostHeader: String

    public init(tls: Bool, host: String, port: Int) {
        self.tls = tls
        self.host = host
        self.port = port
        let defaultPort = tls ? 443 : 80
        self.hostHeader = port == defaultPort ? host : (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }
}
