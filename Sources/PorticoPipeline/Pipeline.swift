import NIOCore
import NIOHTTP1
import PorticoModel

/// The request flow of the data plane, top to bottom, as ../shared/DESIGN.md describes it. The
/// server's `RequestDriver` calls `decide` once per request head and does the I/O the decision
/// asks for; everything here is pure and runs without sockets.
///
///  1. resolve: Host `{apiId}.execute-api.…` / `/restapis/{id}/{stage}/_user_request_` / `/{stage}` → stage
///  2. limits: header size, declared body size
///  3. route match (trie built at compile time)
///  2a. WAF rules (Filters/WAF), in front of everything else as AWS WAF is
///  2b. CORS (HTTP APIs, Filters/CORS): preflights answered here; headers for the response
///  4. request filters, in AWS's order: IAM SigV4 (Filters/IAM) and the resource policy
///     (Filters/ResourcePolicy), JWT/Cognito (Filters/JWT) or the Lambda authorizer (Filters/Authorizer),
///     API key, throttling & quota (Filters/Throttle), validation (Filters/Validation), cache (Filters/Cache)
///  5. integration request: parameter mapping (request templates arrive with the Velocity engine)
///  6. integration: MOCK answers here; HTTP and HTTP_PROXY are forwarded by the server; functions
///     (AWS_PROXY with the event built here, AWS with the body) are invoked by the server
///  7. integration response (HTTP non-proxy): `IntegrationResponses.select` on the upstream status
///  ✕ every failure is a `GatewayError`, turned into AWS's response by `GatewayError.response`
public enum Pipeline {
    /// Rare decisions' large payloads are `indirect` (boxed), so the common `.forward` is small to copy.
    public enum Decision: Sendable {
        /// Answer without an upstream (MOCK).
        case respond(PreparedResponse)
        /// Send `request` upstream per `plan`, then stream or map the response back.
        case forward(HTTPPlan, request: UpstreamRequest)
        /// Collect the body, then invoke the function: a proxy event (`event` + body) or, for a
        /// custom integration, the body itself.
        indirect case invoke(FunctionPlan, event: FunctionEvent?, mapping: MappingSeed?)
        /// Ask the Lambda authorizer first (or its cached answer), then decide again with it.
        indirect case authorize(AuthorizerCall)
        /// Verify the token with its issuer's keys (or find its verdict cached), then decide again.
        indirect case verifyToken(TokenCall)
        /// Collect the body, then decide again with it (the SigV4 payload hash, WAF body rules).
        case collectBody
        /// A WebSocket API's stage: an upgrade to a connection, or a call of its `@connections` API.
        indirect case webSocket(WebSocketRequest)
        /// A MOCK whose request template reads the body: collect it, then `plan.respond`.
        indirect case mock(MockPlan, seed: MappingSeed, contentType: String?, accept: String?)
        /// Collect the body and validate it against the model (400 `Invalid request body`), then go on.
        indirect case validate(JSONSchema, then: Decision)
        /// Answer from the stage cache on a hit; otherwise go on, keeping the response for it.
        indirect case cached(CacheUse, then: Decision)
        case fail(GatewayError)
        /// A failure AWS words per request: `message` is the client's, `validationErrors` the
        /// `$context.error.validationErrorString` of a customised gateway response.
        indirect case reject(GatewayError, message: String, validationErrors: String)
    }

    /// What is known of a request once it is routed: for the response headers, logs and metrics.
    public struct Routed: Sendable {
        public var apiType: APIType
        /// The stage that serves the request (a canary's, when the canary took it), once resolved.
        /// The API id, stage name and route names are read from it and from `route`, not copied:
        /// each copied string would be retained and released per request.
        public var servingStage: CompiledStage?
        /// The matched route, when one matched.
        public var route: CompiledRoute?
        /// Whether a canary served the request; nil when the stage has no canary.
        public var isCanary: Bool?

        public var apiID: String { servingStage?.apiID ?? "-" }
        public var stage: String { servingStage?.name ?? "-" }
        /// The stage's customised gateway responses, for the errors of this request.
        public var gatewayResponses: CustomGatewayResponses? { servingStage?.gatewayResponses }
        public var resourcePath: String {
            guard let route else { return "-" }
            return route.resourcePath.isEmpty ? "$default" : route.resourcePath
        }
        public var routeKey: String { route?.routeKey ?? "-" }

        /// The API key the request was metered under (`$context.identity.apiKeyId`).
        public var apiKeyID: String?
        /// `RateLimit` / `RateLimit-Policy` fields for the response, when the gateway sends them.
        public var rateLimitFields: [(String, String)]?
        /// The API's CORS headers for this request's origin; set (maybe empty) when the API has CORS,
        /// whose headers then replace the integration's.
        public var corsFields: [(String, String)]?
        /// Fields a refusal adds (`www-authenticate`).
        public var challengeFields: [(String, String)] = []
        /// The WAF rules were evaluated (once per request, however often it is decided).
        public var wafChecked = false
        /// The WAF rule that blocked the request (`default action` when none did), and the count rules that matched.
        public var wafBlockedBy: String?
        public var wafCounted: [String] = []

        public init(apiType: APIType) { self.apiType = apiType }
    }

    /// Decides what to do with a request head. `path` and `query` are the raw target's parts.
    public static func decide<Head: RequestHead>(
        head: Head, path: Substring, query: Substring, requestID: RequestID, sourceIP: String,
        forwarded: ForwardedInfo, gateway: CompiledGateway, routed: inout Routed,
        epochMillis: Int64 = 0, protocolName: String = "HTTP/1.1", authorization: AuthorizerResult? = nil,
        bodyValidated: Bool = false, nowNanos: UInt64 = 0, collectedBody: [UInt8]? = nil, verifier: (any LoopVerifier)? = nil,
        headBuffer: ReusableBuffer? = nil
    ) -> Decision {
        // 1. resolve
        let stage: CompiledStage
        let primary: CompiledStage
        let apiPath: Substring
        switch gateway.resolve(host: head.field("host").map { Substring($0) }, path: path) {
        case .notFound(let type):
            routed.apiType = type
            return .fail(.missingAuthenticationToken)
        case .stage(let found, let rest):
            primary = found
            // A canary takes its share of the stage's requests (the request id's random bits decide).
            if let canary = found.canary {
                let useCanary = requestID.canaryRoll < found.canaryShare
                stage = useCanary ? canary : found
                routed.isCanary = useCanary
            } else {
                stage = found
            }
            apiPath = rest
        }
        routed.servingStage = stage
        routed.apiType = stage.apiType

        // 2. limits
        if head.headLength > gateway.limits.maxHeaderBytes { return .fail(.requestHeadersTooLarge) }
        // WebSocket APIs have no routes of their own for HTTP requests: an upgrade, or @connections.
        if stage.apiType == .websocket { return WebSocketRequest.decide(head: head, apiPath: apiPath, stage: stage) }
        if let length = head.declaredLength, length > gateway.limits.maxPayloadBytes {
            return .fail(.requestTooLarge)
        }
        guard PercentEncoding.isValid(apiPath) else { return .fail(.badRequest) }

        // 2a. WAF rules: before anything of API Gateway's, once per request.
        if let waf = primary.waf, !routed.wafChecked {
            switch waf.evaluate(head: head, path: path, query: query, body: collectedBody ?? (head.hasBody ? nil : []), sourceIP: sourceIP, nowSeconds: epochMillis / 1000) {
            case .needsBody:
                return .collectBody
            case .block(let rule, let counted):
                routed.wafChecked = true
                routed.wafCounted = counted
                routed.wafBlockedBy = rule ?? "default action"
                return .fail(.wafFiltered)
            case .pass(let counted):
                routed.wafChecked = true
                routed.wafCounted = counted
            }
        }

        // 2b. CORS: API Gateway answers preflights itself, with or without an OPTIONS route.
        if let cors = stage.cors {
            if CompiledCORS.isPreflight(head), let origin = head.field("origin") { return .respond(cors.preflight(origin: origin)) }
            routed.corsFields = cors.responseFields(origin: head.field("origin"))
        }

        // 3. route match
        guard let match = stage.routes.match(method: Substring(head.method.rawValue), path: apiPath) else {
            return .fail(.missingAuthenticationToken)
        }
        routed.route = match.route

        // 4. request filters, in AWS's order: the Lambda authorizer (answered, or to be asked).
        // Built only for authorizers and functions: the plain proxy path allocates none of it.
        func context() -> FunctionEvent.Context {
            let host = head.field("host") ?? "\(stage.apiID).execute-api.localhost"
            var facts = FunctionEvent.Context(
                apiID: stage.apiID, stage: stage.name, requestID: requestID.uuid, extendedRequestID: requestID.shortID,
                sourceIP: sourceIP, protocolName: protocolName, epochMillis: epochMillis,
                domainName: String(host.split(separator: ":").first ?? Substring(host))
            )
            facts.clientCertificate = forwarded.clientCertificate
            if let keyID = routed.apiKeyID {
                facts.apiKeyID = keyID
                facts.apiKey = stage.apiKeySource == .authorizer ? authorization?.usageIdentifierKey : head.field("x-api-key")
            }
            return facts
        }
        // IAM first (the resource policy needs the caller), then the resource policy, then the
        // route's authorizer. `authorization` is set when deciding again after one of them.
        var authorization = authorization
        let access = match.route.access
        let methodARN = stage.resourcePolicy != nil || access.iam
            ? ARNs.method(apiID: stage.apiID, stage: stage.name, method: head.method.rawValue, path: apiPath) : ""
        if access.iam {
            if authorization?.iam == nil {
                switch IAMFilter.check(
                    head: head, path: path, query: query, body: collectedBody ?? (head.hasBody ? nil : []), credentials: gateway.iamCredentials,
                    methodARN: methodARN, nowSeconds: epochMillis / 1000, keys: gateway.signingKeys,
                    verdicts: verifier?.signedRequests) {
                case .verified(let result): authorization = result
                case .needsBody: return .collectBody
                case .refused(let error, let message): return .reject(error, message: message, validationErrors: "")
                }
            }
            if let policy = stage.resourcePolicy, let iam = authorization?.iam,
               let refused = ResourcePolicyFilter.check(policy, caller: iam, sourceIP: sourceIP, methodARN: methodARN) {
                return refused
            }
        } else if authorization == nil, let policy = stage.resourcePolicy,
                  let refused = ResourcePolicyFilter.check(policy, caller: nil, sourceIP: sourceIP, methodARN: methodARN,
                                                           authorizerDecides: access.token != nil || match.route.authorizer != nil) {
            return refused
        }
        if let token = access.token, authorization == nil {
            guard let value = token.token(head: head, query: query, stage: stage) else {
                let refusal = token.refusal(.missing)
                routed.challengeFields = refusal.headers
                return .fail(refusal.error)
            }
            let call = TokenCall(authorizer: token, token: value, scopes: access.scopes)
            guard let verifier else { return .verifyToken(call) }
            switch verifier.verify(call) {
            case .accepted(let result):
                authorization = result
            case .refused(let failure):
                let refusal = token.refusal(failure)
                routed.challengeFields = refusal.headers
                return refusal.message.map { .reject(refusal.error, message: $0, validationErrors: "") } ?? .fail(refusal.error)
            case .needsKeys:
                return .verifyToken(call)
            }
        }
        if let authorizer = match.route.authorizer, authorization == nil {
            switch AuthorizerFilter.prepare(authorizer, head: head, match: match, stage: stage, apiPath: apiPath, query: query, context: context()) {
            case .success(let call): return .authorize(call)
            case .failure(let error): return .fail(error)
            }
        }

        // API key, usage plan throttle and quota, stage and account throttles, in AWS's order;
        // once per request (not again for the decision that follows a validated body).
        if !bodyValidated, let refused = TrafficFilter.admit(
            route: match.route, stage: stage, gateway: gateway, head: head, authorization: authorization,
            nowNanos: nowNanos, epochMillis: epochMillis, routed: &routed
        ) {
            return .fail(refused)
        }

        // Request validation: required parameters now, the body once it is in.
        var bodySchema: JSONSchema?
        if let validator = match.route.validator {
            let missing = validator.requiredParameters.filter { parameter in
                switch parameter.location {
                case .query: return QueryString.first(parameter.name, in: query) == nil
                case .header: return head.field(named: parameter.name) == nil
                default: return false
                }
            }.map { $0.name }
            if !missing.isEmpty {
                let message = "Missing required request parameters: [\(missing.joined(separator: ", "))]"
                return .reject(.badRequestParameters, message: message, validationErrors: message)
            }
            // AWS checks the body against the model of its content type; Portico's models are
            // for JSON, which is also what a request without a Content-Type is taken to be.
            let contentType = head.field("content-type").map { $0.split(separator: ";", omittingEmptySubsequences: false)[0].trimmingSpaces().lowercased() }
            if contentType == nil || contentType == "application/json" { bodySchema = validator.bodySchema }
        }
        if let bodySchema, !bodyValidated {
            // The rest of the decision, to follow once the body has passed.
            let next = decide(
                head: head, path: path, query: query, requestID: requestID, sourceIP: sourceIP, forwarded: forwarded,
                gateway: gateway, routed: &routed, epochMillis: epochMillis, protocolName: protocolName,
                authorization: authorization, bodyValidated: true, nowNanos: nowNanos, verifier: verifier)
            return .validate(bodySchema, then: next)
        }

        // 5–7. integration (after the stage cache, below)
        func integrationDecision() -> Decision {
            switch match.route.integration {
            case .unavailable(let error, _):
                return .fail(error)
            case .mock(let plan):
                let seed = plan.needsSeed
                    ? MappingSeed.make(head: head, match: match, query: query, stage: stage, apiPath: apiPath, context: context(), authorizer: authorization)
                    : nil
                if plan.needsBody, let seed {
                    return .mock(plan, seed: seed, contentType: head.field("content-type"), accept: head.field("accept"))
                }
                switch plan.respond(contentType: head.field("content-type"), accept: head.field("accept"), seed: seed) {
                case .success(let response): return .respond(response)
                case .failure(let error): return .fail(error)
                }
            case .function(let plan):
                guard plan.proxy else {
                    let seed = plan.needsSeed
                        ? MappingSeed.make(head: head, match: match, query: query, stage: stage, apiPath: apiPath, context: context(), authorizer: authorization)
                        : nil
                    return .invoke(plan, event: nil, mapping: seed)
                }
                let event = FunctionEvent.make(
                    head: head, plan: plan, match: match, apiType: stage.apiType, apiPath: apiPath, query: query,
                    stageVariables: stage.variables, context: context(), authorizer: authorization
                )
                return .invoke(plan, event: event, mapping: nil)
            case .http(let plan):
                // HTTP APIs send the whole request path to the `$default` route's URI (AWS's docs).
                let appendPath = stage.apiType == .http && match.route.resourcePath.isEmpty ? apiPath : nil
                var template: ResponseBody?
                if !plan.isProxy {
                    switch plan.requestTemplate(for: head.field("content-type")) {
                    case .success(let chosen): template = chosen
                    case .failure(let error): return .fail(error)
                    }
                }
                let contentType = head.field("content-type")
                let conversion = plan.binaryMedia.convertsRequest(contentType: contentType, handling: plan.contentHandling) ? plan.contentHandling : nil
                let result = plan.upstreamRequest(
                    head: head, match: match, query: query, sourceIP: sourceIP,
                    values: {
                        var values = RequestValues(head: head, match: match, query: query, requestID: requestID, sourceIP: sourceIP, stage: stage.name)
                        values.path = apiPath
                        return values
                    },
                    forwarded: forwarded, appendPath: appendPath, deferFraming: template != nil || conversion != nil || plan.mapsFromBody,
                    headBuffer: headBuffer)
                switch result {
                case .success(var request):
                    request.bodyConversion = conversion
                    request.mapsFromBody = plan.mapsFromBody
                    if let template {
                        request.bodyTemplate = template
                        request.mapping = MappingSeed.make(head: head, match: match, query: query, stage: stage, apiPath: apiPath, context: context(), authorizer: authorization)
                    } else if plan.mapsResponses {
                        request.mapping = MappingSeed.make(head: head, match: match, query: query, stage: stage, apiPath: apiPath, context: context(), authorizer: authorization)
                    }
                    return .forward(plan, request: request)
                case .failure(let error): return .fail(error)
                }
            }
        }

        // The stage cache, before the integration runs.
        if let cache = match.route.cache {
            var invalidate = false
            var extraHeaders: [(String, String)] = []
            if let control = head.field("cache-control"), control.lowercased().contains("max-age=0") {
                if !cache.requireAuthorization {
                    invalidate = true
                } else {
                    // Invalidating needs execute-api:InvalidateCache; no caller has it without IAM.
                    switch cache.unauthorizedStrategy {
                    case .failWith403: return .reject(.forbidden, message: "Unauthorized", validationErrors: "")
                    case .succeedWithResponseHeader: extraHeaders = [(CacheUse.unauthorizedHeader.name, CacheUse.unauthorizedHeader.value)]
                    case .succeedWithoutResponseHeader: break
                    }
                }
            }
            let use = CacheUse(route: cache, key: cache.key(head: head, route: match.route, match: match, query: query), invalidate: invalidate, extraHeaders: extraHeaders)
            return .cached(use, then: integrationDecision())
        }
        return integrationDecision()
    }

    /// Splits a request target into path and query (`/a?b=1` → `/a`, `b=1`).
    public static func splitTarget(_ uri: String) -> (path: Substring, query: Substring) {
        guard let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (uri[...], "") }
        return (uri[..<mark], uri[uri.utf8.index(after: mark)...])
    }
}
