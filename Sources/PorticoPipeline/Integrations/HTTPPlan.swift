import NIOCore
import NIOHTTP1
import PorticoModel

/// An HTTP or HTTP_PROXY integration of one stage, compiled: the upstream's address parsed, stage
/// variables substituted, the path template split into pieces, parameter mappings parsed.
/// A class, so passing it along a request costs one reference, not a copy of every field.
public final class HTTPPlan: Sendable {
    public enum PathPiece: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    /// HTTP_PROXY passes the request and response through; HTTP (non-proxy) forwards only what is
    /// mapped and shapes the response with integration responses.
    public let isProxy: Bool
    public let upstream: UpstreamAddress
    public let pathPieces: [PathPiece]
    /// `pathPieces` with each parameter's source looked up once, at compile time.
    let targetPieces: [TargetPiece]
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
    /// `x-amzn-apigateway-api-id`, which AWS adds to REST APIs' integration requests; nil for HTTP APIs.
    public let restAPIID: String?
    /// HTTP (non-proxy) with response templates: the upstream body is buffered and the template
    /// for the client's Accept answers instead (AWS sends the template's output, not the body).
    public let mapsResponses: Bool
    /// HTTP (non-proxy): request templates by content type, and what happens without one.
    public let requestTemplates: [(contentType: String, body: ResponseBody)]
    public let passthrough: Integration.PassthroughBehavior
    /// The API's binary media types, for `contentHandling` (HTTP non-proxy).
    public let binaryMedia: BinaryMediaTypes
    /// The integration request's `contentHandling`.
    public let contentHandling: ContentHandling?
    /// HTTP APIs: `append:` / `overwrite:` / `remove:` mappings of the integration request.
    public let requestMappings: [HTTPAPIMapping]
    /// HTTP APIs: response mappings by integration status.
    public let responseMappings: HTTPAPIResponseMappings
    /// Some request parameter is mapped from the body.
    public let mapsFromBody: Bool

    init(
        isProxy: Bool, upstream: UpstreamAddress, pathPieces: [PathPiece], uriQuery: String?, method: HTTPMethod?,
        timeout: TimeAmount, timeoutMillis: Int, pathMappings: [String: ValueSource],
        queryMappings: [(name: String, source: ValueSource)], headerMappings: [(name: String, source: ValueSource)],
        responses: IntegrationResponses?, restAPIID: String?,
        requestTemplates: [(contentType: String, body: ResponseBody)] = [], passthrough: Integration.PassthroughBehavior = .whenNoMatch,
        binaryMedia: BinaryMediaTypes = BinaryMediaTypes([]), contentHandling: ContentHandling? = nil,
        requestMappings: [HTTPAPIMapping] = [], responseMappings: HTTPAPIResponseMappings = HTTPAPIResponseMappings(byStatus: [:])
    ) {
        self.requestMappings = requestMappings
        self.responseMappings = responseMappings
        let sources = Array(pathMappings.values) + queryMappings.map(\.source) + headerMappings.map(\.source)
        self.mapsFromBody = sources.contains { if case .body = $0 { return true } else { return false } }
        self.binaryMedia = binaryMedia
        self.contentHandling = contentHandling
        self.requestTemplates = requestTemplates
        self.passthrough = passthrough
        self.isProxy = isProxy
        self.upstream = upstream
        self.pathPieces = pathPieces
        self.targetPieces = pathPieces.map { piece in
            switch piece {
            case .literal(let text): return .literal(text)
            case .parameter(let name):
                switch pathMappings[name] {
                case nil: return .pathParameter(name)
                case .pathParameter(let parameter): return .pathParameter(parameter)
                case .body: return .fromBody
                case let source?: return .mapped(source)
                }
            }
        }
        self.uriQuery = uriQuery
        self.method = method
        self.timeout = timeout
        self.timeoutMillis = timeoutMillis
        self.pathMappings = pathMappings
        self.queryMappings = queryMappings
        self.headerMappings = headerMappings
        self.responses = responses
        self.restAPIID = restAPIID
        let entries = (responses?.entries ?? []) + (responses?.fallback.map { [$0] } ?? [])
        // Buffered when a template, a body-read header or a binary conversion may change the body.
        self.mapsResponses = !isProxy && (!binaryMedia.isEmpty || entries.contains { !$0.bodies.isEmpty || $0.contentHandling != nil || $0.readsBody })
    }

    /// A piece of the integration URI's path, ready for a request.
    enum TargetPiece: Sendable {
        case literal(String)
        /// A path parameter of the request, as received (still percent-encoded).
        case pathParameter(String)
        /// Another source, percent-encoded into the path.
        case mapped(ValueSource)
        /// Filled in once the body is in (`RequestOverride`).
        case fromBody
    }

    /// HTTP API mappings of the path and the query string (headers are mapped as they are written).
    static func applyMappings<Head: RequestHead>(_ mappings: [HTTPAPIMapping], path: inout String, query: inout String, values: RequestValues<Head>) {
        for mapping in mappings {
            switch mapping.target {
            case .path:
                if let value = values.value(of: mapping.value) { path = value.hasPrefix("/") ? value : "/" + value }
            case .query(let name):
                if mapping.operation != .append {
                    query = query.split(separator: "&").filter { pair in
                        PercentEncoding.decode(pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0], plusAsSpace: true) != name
                    }.joined(separator: "&")
                }
                if mapping.operation != .remove, let value = values.value(of: mapping.value) {
                    query += (query.isEmpty ? "" : "&") + PercentEncoding.encode(name) + "=" + PercentEncoding.encode(value)
                }
            case .header, .statusCode:
                break
            }
        }
    }

    /// The request head to send upstream, written as bytes, or the gateway error that stops it.
    ///

    /// `appendPath` is the request path that HTTP APIs append to the URI of the `$default` route.
    /// The request template for a request of `contentType`: nil passes the body through; 415 when
    /// `passthroughBehavior` forbids that.
    public func requestTemplate(for contentType: String?) -> Result<ResponseBody?, GatewayError> {
        guard !isProxy, !requestTemplates.isEmpty || passthrough == .never else { return .success(nil) }
        let type = (contentType?.split(separator: ";").first.map { $0.trimmingSpaces() } ?? "application/json").lowercased()
        if let chosen = requestTemplates.first(where: { $0.contentType.lowercased() == type }) { return .success(chosen.body) }
        if passthrough == .never || (passthrough == .whenNoTemplates && !requestTemplates.isEmpty) { return .failure(.unsupportedMediaType) }
        return .success(nil)
    }

    /// With `deferFraming`, the head stops before its framing field and the blank line: the
    /// server adds `content-length` once a request template has rendered the body.
    ///
    /// `values` makes what mappings read of the request; only a route with mappings calls it (it
    /// copies the head, which a plain proxy route need not pay for).
    public func upstreamRequest<Head: RequestHead>(
        head: Head, match: RouteMatch, query requestQuery: Substring, sourceIP: String, values makeValues: () -> RequestValues<Head>,
        forwarded: ForwardedInfo, appendPath: Substring? = nil, deferFraming: Bool = false, headBuffer: ReusableBuffer? = nil
    ) -> Result<UpstreamRequest, GatewayError> {
        // Made at most once, by the first mapping that reads it.
        var made: RequestValues<Head>?
        func values() -> RequestValues<Head> {
            if let made { return made }
            let fresh = makeValues()
            made = fresh
            return fresh
        }
        var target = ""
        for piece in targetPieces {
            switch piece {
            case .literal(let text): target += text
            case .pathParameter(let name):
                guard let raw = match.pathParameter(name) else { return .failure(.internalError) }
                target += raw
            case .mapped(let source):
                guard let value = values().value(of: source) else { return .failure(.internalError) }
                target += PercentEncoding.encode(value)
            case .fromBody:
                continue
            }
        }
        if let appendPath, appendPath != "/" || target.isEmpty {
            if target.hasSuffix("/") { target.removeLast() }
            target += appendPath
        }
        if target.isEmpty { target = "/" }
        var query = uriQuery ?? ""
        if isProxy, !requestQuery.isEmpty {
            query += query.isEmpty ? "" : "&"
            query += requestQuery
        }
        if !requestMappings.isEmpty {
            Self.applyMappings(requestMappings, path: &target, query: &query, values: values())
        }
        for (name, source) in queryMappings {
            guard let value = values().value(of: source) else { continue }
            query += query.isEmpty ? "" : "&"
            query += PercentEncoding.encode(name) + "=" + PercentEncoding.encode(value)
        }
        if !query.isEmpty { target += "?" + query }

        let upstreamMethod = method ?? head.method
        var buffer = headBuffer?.take(capacity: 512) ?? ByteBufferAllocator().buffer(capacity: 512)
        HTTP1Writer.writeRequestLine(method: upstreamMethod, target: target, into: &buffer)
        let named = isProxy ? Self.connectionTokens(head.field("connection")) : []
        var forwardedFor = ""
        head.forEachField { name, value in
            if HTTP1Bytes.equalsLowercase(name, "x-forwarded-for") {
                forwardedFor += forwardedFor.isEmpty ? "" : ", "
                forwardedFor += String(decoding: value, as: UTF8.self)
                return
            }
            if isProxy {
                if Self.isDropped(name) { return }
                if !requestMappings.isEmpty, requestMappings.contains(where: { mapping in
                    guard case .header(let mapped) = mapping.target, mapping.operation != .append else { return false }
                    return HTTP1Bytes.equalsIgnoringCase(name, mapped)
                }) { return }
                if !named.isEmpty && named.contains(where: { HTTP1Bytes.equalsIgnoringCase(name, $0) }) { return }
                if headerMappings.contains(where: { HTTP1Bytes.equalsIgnoringCase(name, $0.name) }) { return }
            } else if !HTTP1Bytes.equalsLowercase(name, "content-type") {
                return
            }
            HTTP1Writer.writeField(name, value, into: &buffer)
        }
        for (name, source) in headerMappings {
            if let value = values().value(of: source) { HTTP1Writer.writeField(name, value, into: &buffer) }
        }
        for mapping in requestMappings where mapping.operation != .remove {
            if case .header(let name) = mapping.target, let value = values().value(of: mapping.value) {
                HTTP1Writer.writeField(name, value, into: &buffer)
            }
        }
        let chunked: Bool
        if deferFraming {
            chunked = false
        } else if let length = head.declaredLength {
            chunked = false
            HTTP1Writer.writeField("content-length", decimal: length, into: &buffer)
        } else if head.hasBody {
            chunked = true
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        } else {
            chunked = false
            if upstreamMethod.hasRequestBody { buffer.writeStaticString("content-length: 0\r\n") }
        }
        if let restAPIID {
            HTTP1Writer.writeField("x-amzn-apigateway-api-id", restAPIID, into: &buffer)
            // AWS's non-proxy HTTP integrations present themselves as the gateway.
            if !isProxy { HTTP1Writer.writeField("user-agent", "AmazonAPIGateway_" + restAPIID, into: &buffer) }
        }
        HTTP1Writer.writeField("host", upstream.hostHeader, into: &buffer)
        HTTP1Writer.writeField("x-forwarded-for", forwardedFor.isEmpty ? sourceIP : forwardedFor + ", " + sourceIP, into: &buffer)
        HTTP1Writer.writeField("x-forwarded-proto", forwarded.proto, into: &buffer)
        if restAPIID == nil {
            // HTTP APIs also send the standard Forwarded header (RFC 7239), as AWS documents.
            let node = sourceIP.contains(":") ? "\"[\(sourceIP)]\"" : sourceIP
            var value = "for=" + node
            if let host = head.field("host") { value += ";host=" + host }
            HTTP1Writer.writeField("forwarded", value + ";proto=" + forwarded.proto, into: &buffer)
        }
        HTTP1Writer.writeField("x-forwarded-port", decimal: forwarded.port, into: &buffer)
        if !deferFraming { buffer.writeStaticString("\r\n") }
        return .success(UpstreamRequest(head: buffer, method: upstreamMethod, chunked: chunked))
    }

    /// Request fields never forwarded: hop-by-hop and framing ones, and those Portico sets itself.
    static func isDropped(_ name: UnsafeRawBufferPointer) -> Bool {
        if HTTP1Bytes.isHopByHopOrFraming(name) { return true }
        switch name.count {
        case 4: return HTTP1Bytes.equalsLowercase(name, "host")
        case 6: return HTTP1Bytes.equalsLowercase(name, "expect")  // Portico answers 100-continue itself
        case 16: return HTTP1Bytes.equalsLowercase(name, "x-forwarded-port")
        case 17: return HTTP1Bytes.equalsLowercase(name, "x-forwarded-proto")
        default: return false
        }
    }

    /// Field names listed in a `Connection` value, which are hop-by-hop for this message (`close`
    /// and `keep-alive` are options, not names, and are skipped).
    static func connectionTokens(_ value: String?) -> [String] {
        guard let value else { return [] }
        var tokens: [String] = []
        for token in value.split(separator: ",") {
            let text = token.trimmingSpaces()
            if HeaderName.equals(text, "close") || HeaderName.equals(text, "keep-alive") || text.isEmpty { continue }
            tokens.append(text)
        }
        return tokens
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

/// A buffer handed from one request to the next on a connection, so each upstream request head
/// need not allocate one: taken (moved out, so it is uniquely referenced and `clear()` keeps its
/// storage) and given back once the request is done with it.
public final class ReusableBuffer {
    private var buffer: ByteBuffer?

    public init() {}

    /// The kept buffer, cleared, or a new one.
    func take(capacity: Int) -> ByteBuffer {
        guard var taken = buffer else { return ByteBufferAllocator().buffer(capacity: capacity) }
        buffer = nil
        taken.clear()
        return taken
    }

    public func giveBack(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }
}

/// The head of a request to send upstream, already written as bytes.
public struct UpstreamRequest: Sendable {
    public let head: ByteBuffer
    public let method: HTTPMethod
    /// The body must be sent with chunked framing (the client sent it chunked).
    public let chunked: Bool
    /// What only templated, converted or body-mapped requests have, kept together: nil on the
    /// proxy path, so each copy of a request copies its head buffer and little else.
    private struct Shaping: Sendable {
        var mapping: MappingSeed?
        var bodyTemplate: ResponseBody?
        var bodyConversion: ContentHandling?
        var mapsFromBody = false
    }
    /// Boxed: inline, the part would make every request (and every copy of one) larger.
    private final class ShapingBox: Sendable {
        let value: Shaping
        init(_ value: Shaping) { self.value = value }
    }
    private var shapingBox: ShapingBox?
    private var shaping: Shaping? { shapingBox?.value }

    public init(head: ByteBuffer, method: HTTPMethod, chunked: Bool) {
        self.head = head
        self.method = method
        self.chunked = chunked
    }

    /// Changes the part in a new box: copies of the request keep theirs (value semantics).
    private mutating func shape(_ change: (inout Shaping) -> Void) {
        var shaping = self.shaping ?? Shaping()
        change(&shaping)
        shapingBox = ShapingBox(shaping)
    }

    /// HTTP (non-proxy) with response templates: what they read of the request.
    public var mapping: MappingSeed? {
        get { shaping?.mapping }
        set { if newValue != nil || shapingBox != nil { shape { $0.mapping = newValue } } }
    }

    /// HTTP (non-proxy) with a request template: the body is collected and rendered first; the
    /// head then still needs its framing (`withBody`).
    public var bodyTemplate: ResponseBody? {
        get { shaping?.bodyTemplate }
        set { if newValue != nil || shapingBox != nil { shape { $0.bodyTemplate = newValue } } }
    }

    /// HTTP (non-proxy) whose `contentHandling` converts this request's body: collected and
    /// converted first (before a template reads it).
    public var bodyConversion: ContentHandling? {
        get { shaping?.bodyConversion }
        set { if newValue != nil || shapingBox != nil { shape { $0.bodyConversion = newValue } } }
    }

    /// Some parameter is mapped from the body (`method.request.body…`): collected first.
    public var mapsFromBody: Bool {
        get { shaping?.mapsFromBody ?? false }
        set { if newValue || shapingBox != nil { shape { $0.mapsFromBody = newValue } } }
    }

    /// Whether the body is collected before anything goes upstream.
    public var collectsBody: Bool {
        guard let shaping else { return false }
        return shaping.bodyTemplate != nil || shaping.bodyConversion != nil || shaping.mapsFromBody
    }

    /// The finished head and body for a rendered request template.
    public func withBody(_ body: ByteBuffer) -> UpstreamRequest {
        var head = self.head
        HTTP1Writer.writeField("content-length", decimal: body.readableBytes, into: &head)
        head.writeStaticString("\r\n")
        var request = UpstreamRequest(head: head, method: method, chunked: false)
        request.mapping = mapping
        return request
    }

    /// The parameters `plan` maps from the body (`method.request.body…`), as overrides of this
    /// request; values that are not strings are written as JSON, absent ones left out.
    public func mappingBody(_ body: [UInt8], plan: HTTPPlan) -> UpstreamRequest {
        let document = try? MappingJSON.parse(body)
        func value(_ path: String) -> String? {
            guard let document, let compiled = try? JSONPath(path), let found = compiled.select(document).first, !found.isNull else { return nil }
            if case .string(let text) = found { return text }
            return MappingJSON.serialize(found)
        }
        var override = RequestOverride()
        for (name, source) in plan.pathMappings { if case .body(let path) = source, let text = value(path) { override.path.append((name, text)) } }
        for (name, source) in plan.queryMappings { if case .body(let path) = source, let text = value(path) { override.query.append((name, text)) } }
        for (name, source) in plan.headerMappings { if case .body(let path) = source, let text = value(path) { override.headers.append((name, text)) } }
        return overriding(override, plan: plan)
    }
}

/// How the client reached Portico, for `X-Forwarded-Proto` and `X-Forwarded-Port`.
public struct ForwardedInfo: Sendable {
    public let proto: String
    public let port: Int
    /// The client's certificate on a mutual-TLS connection (`$context.identity.clientCert`).
    public var clientCertificate: ClientCertificate?

    public init(proto: String, port: Int, clientCertificate: ClientCertificate? = nil) {
        self.proto = proto
        self.port = port
        self.clientCertificate = clientCertificate
    }
}

/// A verified client certificate, as API Gateway describes it to integrations.
public struct ClientCertificate: Sendable, Equatable {
    public var pem: String
    public var subjectDN: String
    public var issuerDN: String
    public var serialNumber: String
    /// `May 28 12:30:02 2019 GMT`, as OpenSSL prints times.
    public var notBefore: String
    public var notAfter: String

    public init(pem: String, subjectDN: String, issuerDN: String, serialNumber: String, notBefore: String, notAfter: String) {
        self.pem = pem
        self.subjectDN = subjectDN
        self.issuerDN = issuerDN
        self.serialNumber = serialNumber
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// `{clientCertPem, subjectDN, issuerDN, serialNumber, validity: {notBefore, notAfter}}`.
    public var json: JSONValue {
        [
            "clientCertPem": .string(pem), "subjectDN": .string(subjectDN), "issuerDN": .string(issuerDN),
            "serialNumber": .string(serialNumber), "validity": ["notBefore": .string(notBefore), "notAfter": .string(notAfter)],
        ]
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
