import PorticoModel

/// A JWT authorizer (HTTP APIs) or a Cognito user pool authorizer (REST), compiled for one stage:
/// where the token comes from, whose tokens it trusts, and for whom they must be issued. The checks
/// are pure; the server brings the issuer's keys and the clock.
public final class CompiledTokenAuthorizer: Sendable {
    public enum Kind: Sendable { case jwt, cognito }

    /// Unique within a gateway snapshot (`apiID/stage/name`), for the verdict cache.
    public let id: String
    public let name: String
    public let kind: Kind
    /// Accepted `iss` values: the JWT issuer, or one per Cognito user pool.
    public let issuers: [String]
    /// JWT: accepted `aud` (or `client_id`) values.
    public let audience: [String]
    let identity: CompiledAuthorizer.IdentitySource

    init(id: String, name: String, kind: Kind, issuers: [String], audience: [String], identity: CompiledAuthorizer.IdentitySource) {
        self.id = id
        self.name = name
        self.kind = kind
        self.issuers = issuers
        self.audience = audience
        self.identity = identity
    }

    /// The token from the identity source, without a `Bearer ` prefix; nil when absent or empty.
    func token<Head: RequestHead>(head: Head, query: Substring, stage: CompiledStage) -> String? {
        let value: String?
        switch identity {
        case .header(let name): value = head.field(named: name)
        case .query(let name): value = QueryString.first(name, in: query)
        case .stageVariable(let name): value = stage.variables[name]
        case .context: value = nil
        }
        guard var token = value.map({ Substring($0) })?.trimmingSpaces() else { return nil }
        if token.count > 7, token.prefix(7).lowercased() == "bearer " { token = token.dropFirst(7).trimmingSpaces() }
        return token.isEmpty ? nil : String(token)
    }

    /// The issuer whose keys verify `token`, or why the token is refused before any key is needed.
    public func issuer(of token: JWTToken) -> Result<String, TokenFailure> {
        guard let issuer = token.claims["iss"]?.stringValue, issuers.contains(issuer) else { return .failure(.issuer) }
        return .success(issuer)
    }

    /// AWS's checks, in its order, once the issuer's keys are known: signature (with the key the
    /// `kid` names), `exp`, `nbf`, `iat`, then audience (JWT) or `token_use` (Cognito).
    public func verify(_ token: JWTToken, keys: JSONWebKeySet, nowSeconds: Double) -> Result<TokenVerdict, TokenFailure> {
        if keys.candidates(kid: token.keyID, algorithm: token.algorithm).isEmpty { return .failure(.unknownKey) }
        guard token.isSigned(by: keys) else { return .failure(.signature) }
        switch token.seconds("exp") {
        case .some(.some(let exp)): if exp <= nowSeconds { return .failure(.expired) }
        case .some(.none): return .failure(.malformed)
        case .none: if kind == .cognito { return .failure(.malformed) }
        }
        switch token.seconds("nbf") {
        case .some(.some(let nbf)): if nbf > nowSeconds { return .failure(.notYetValid) }
        case .some(.none): return .failure(.malformed)
        case .none: break
        }
        switch token.seconds("iat") {
        case .some(.some(let iat)): if iat > nowSeconds { return .failure(.issuedInFuture) }
        case .some(.none): return .failure(.malformed)
        case .none: break
        }
        if kind == .jwt {
            // `aud` when present (a string or a list), else `client_id`.
            let presented: [String]
            if let aud = token.claims["aud"] {
                presented = aud.stringValue.map { [$0] } ?? aud.arrayValue?.compactMap(\.stringValue) ?? []
            } else {
                presented = token.claims["client_id"]?.stringValue.map { [$0] } ?? []
            }
            guard presented.contains(where: audience.contains) else { return .failure(.audience) }
        } else {
            guard let use = token.claims["token_use"]?.stringValue, use == "id" || use == "access" else { return .failure(.tokenUse) }
        }
        let expires = token.seconds("exp").flatMap { $0 } ?? .infinity
        return .success(TokenVerdict(claims: token.claims, scopes: token.scopes, tokenUse: token.claims["token_use"]?.stringValue, expiresAtSeconds: expires))
    }

    /// Whether the verified token may call a method that asks for `scopes`. JWT: one of them in the
    /// token's scopes (403 otherwise). Cognito: without scopes an ID token; with scopes an access
    /// token that holds one (401 otherwise), as API Gateway treats user pool tokens.
    public func admits(_ verdict: TokenVerdict, scopes: [String]) -> TokenFailure? {
        switch kind {
        case .jwt:
            if scopes.isEmpty || verdict.scopes.contains(where: scopes.contains) { return nil }
            return .scope(required: scopes)
        case .cognito:
            if scopes.isEmpty { return verdict.tokenUse == "id" ? nil : .tokenUse }
            guard verdict.tokenUse == "access" else { return .tokenUse }
            return verdict.scopes.contains(where: scopes.contains) ? nil : .scope(required: scopes)
        }
    }

    /// What the client sees for a refused token: the error, the message AWS words, extra headers.
    public func refusal(_ failure: TokenFailure) -> (error: GatewayError, message: String?, headers: [(String, String)]) {
        switch kind {
        case .jwt:
            if case .scope(let required) = failure {
                let challenge = "Bearer scope=\"\(required.joined(separator: " "))\" error=\"insufficient_scope\" error_description=\"\(failure.description)\""
                return (.forbidden, nil, [("www-authenticate", challenge)])
            }
            if failure == .missing { return (.unauthorized, nil, [("www-authenticate", "Bearer")]) }
            let challenge = "Bearer scope=\"\" error=\"invalid_token\" error_description=\"\(failure.description)\""
            return (.unauthorized, nil, [("www-authenticate", challenge)])
        case .cognito:
            return (.unauthorized, failure == .expired ? "The incoming token has expired" : nil, [])
        }
    }
}

/// A verified token: its claims and scopes, until when it may be reused.
public struct TokenVerdict: Sendable {
    public let claims: [String: JSONValue]
    public let scopes: [String]
    public let tokenUse: String?
    public let expiresAtSeconds: Double

    /// The answer the rest of the pipeline reads (`$context.authorizer.claims`, the proxy events).
    public func result(scopes requested: [String]) -> AuthorizerResult {
        var result = AuthorizerResult(principalID: nil, statements: [], isAuthorized: true, context: [:], usageIdentifierKey: nil)
        result.claims = claims
        result.scopes = requested.isEmpty ? nil : scopes
        return result
    }
}

/// Why a token was refused; `description` is what `www-authenticate` says of it.
public enum TokenFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case missing, malformed, issuer, unknownKey, signature, expired, notYetValid, issuedInFuture, audience, tokenUse
    case scope(required: [String])
    /// The issuer's keys could not be fetched.
    case keysUnavailable(String)

    public var description: String {
        switch self {
        case .missing: return "no token in the identity source"
        case .malformed: return "the token is malformed"
        case .issuer: return "the token does not have a valid issuer"
        case .unknownKey: return "the token's key id is not in the issuer's key set"
        case .signature: return "the token's signature is invalid"
        case .expired: return "the token has expired"
        case .notYetValid: return "the token is not valid yet"
        case .issuedInFuture: return "the token was issued in the future"
        case .audience: return "the token does not have a valid audience"
        case .tokenUse: return "the token's token_use does not fit the method"
        case .scope: return "the token does not have a required scope"
        case .keysUnavailable(let reason): return "the issuer's keys are unavailable: \(reason)"
        }
    }
}

/// A token to check for one request: the server verifies it with the issuer's keys (or finds its
/// verdict cached), then decides the request again with the answer.
public struct TokenCall: Sendable {
    public let authorizer: CompiledTokenAuthorizer
    public let token: String
    /// The method's or route's `authorizationScopes`.
    public let scopes: [String]
    /// The verdict cache's key: the authorizer (held, so its identity cannot be reused while the
    /// entry lives) and the token; no string is built per request.
    public struct Key: Hashable, Sendable {
        let authorizer: CompiledTokenAuthorizer
        let token: String

        public static func == (a: Key, b: Key) -> Bool { a.authorizer === b.authorizer && a.token == b.token }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(ObjectIdentifier(authorizer))
            hasher.combine(token)
        }
    }

    public var cacheKey: Key { Key(authorizer: authorizer, token: token) }
}
