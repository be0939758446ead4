import Foundation
import NIOHTTP1
import PorticoModel
import PorticoTesting
import Testing

@testable import PorticoPipeline

/// JWT (HTTP API) and Cognito (REST) authorizers with real keys: AWS's checks one at a time.
@Suite struct TokenAuthorizerTests {
    static let issuer = "https://idp.example.test/tenant"
    static let provider = try! TokenIssuer(issuer: issuer)
    static let keys = try! JSONWebKeySet.parse(Array(provider.jwks.utf8))
    static let now = Date().timeIntervalSince1970

    static let jwt = CompiledTokenAuthorizer(
        id: "api/prod/jwt", name: "jwt", kind: .jwt, issuers: [issuer], audience: ["aud-1", "aud-2"], identity: .header("authorization"))
    static let cognito = CompiledTokenAuthorizer(
        id: "api/prod/pool", name: "pool", kind: .cognito, issuers: [issuer], audience: [], identity: .header("authorization"))

    func check(_ token: String, _ authorizer: CompiledTokenAuthorizer = jwt, scopes: [String] = [], refreshed: Bool = true) -> TokenCheck.Outcome {
        var cache = TokenVerdictCache()
        return TokenCheck.run(TokenCall(authorizer: authorizer, token: token, scopes: scopes), keys: { $0 == Self.issuer ? Self.keys : nil }, cache: &cache, nowSeconds: Self.now, keysRefreshed: refreshed)
    }

    func failure(_ outcome: TokenCheck.Outcome) -> TokenFailure? {
        if case .refused(let failure) = outcome { return failure }
        return nil
    }

    @Test(arguments: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"])
    func everyAlgorithmVerifies(_ algorithm: String) throws {
        let token = try Self.provider.token(["aud": "aud-1", "sub": "alice"], algorithm: algorithm)
        guard case .accepted(let result) = check(token) else { Issue.record("\(algorithm) refused: \(check(token))"); return }
        #expect(result.claims?["sub"] == .string("alice"))
    }

    @Test func awsClaimRules() throws {
        let p = Self.provider
        let now = Int(Self.now)
        #expect(failure(check(try p.token(["aud": "aud-1", "exp": now - 1]))) == .expired)
        #expect(failure(check(try p.token(["aud": "aud-1", "nbf": now + 60]))) == .notYetValid)
        #expect(failure(check(try p.token(["aud": "aud-1", "iat": now + 60]))) == .issuedInFuture)
        #expect(failure(check(try p.token(["aud": "aud-1", "iss": "https://other.example"]))) == .issuer)
        #expect(failure(check(try p.token(["aud": "someone-else"]))) == .audience)
        // `aud` as a list; `client_id` only when there is no `aud` (AWS: aud wins when both are present).
        #expect(failure(check(try p.token(["aud": ["x", "aud-2"]]))) == nil)
        #expect(failure(check(try p.token(["client_id": "aud-1"]))) == nil)
        #expect(failure(check(try p.token(["aud": "nope", "client_id": "aud-1"]))) == .audience)
        #expect(failure(check(try p.token(["aud": "aud-1", "exp": "tomorrow"]))) == .malformed)
    }

    @Test func tamperedForgedAndUnknownKeysAreRefused() throws {
        let token = try Self.provider.token(["aud": "aud-1", "sub": "alice"])
        var parts = token.split(separator: ".").map(String.init)
        // A changed claim: the signature no longer matches.
        parts[1] = Base64URL.encode(Array(#"{"aud":"aud-1","exp":9999999999,"iss":"\#(Self.issuer)","sub":"mallory"}"#.utf8))
        #expect(failure(check(parts.joined(separator: "."))) == .signature)
        // `alg: none`, HMAC and garbage are never accepted.
        let none = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + parts[1] + "."
        #expect(failure(check(none)) == .malformed)
        let hmac = Base64URL.encode(Array(#"{"alg":"HS256","kid":"rsa-1"}"#.utf8)) + "." + parts[1] + ".c2ln"
        #expect(failure(check(hmac)) == .malformed)
        #expect(failure(check("not-a-token")) == .malformed)
        // A kid the set lacks asks for fresh keys once, then fails.
        let unknown = try Self.provider.token(["aud": "aud-1"], keyID: "rotated-key")
        guard case .needsKeys(let issuer, let refresh) = check(unknown, refreshed: false) else { Issue.record("expected a key refresh"); return }
        #expect(issuer == Self.issuer && refresh)
        #expect(failure(check(unknown)) == .unknownKey)
        // An RSA token whose header names an EC key: that key cannot have signed it.
        #expect(failure(check(try Self.provider.token(["aud": "aud-1"], algorithm: "RS256", keyID: Self.provider.ecKeyID))) == .unknownKey)
    }

    @Test func scopesOnRoutes() throws {
        let token = try Self.provider.token(["aud": "aud-1", "scope": "pets/read openid"])
        #expect(failure(check(token, scopes: ["pets/read", "pets/write"])) == nil)
        #expect(failure(check(token, scopes: ["pets/write"])) == .scope(required: ["pets/write"]))
        let scp = try Self.provider.token(["aud": "aud-1", "scp": ["admin"]])
        #expect(failure(check(scp, scopes: ["admin"])) == nil)
        // A scope failure is 403 with AWS's challenge; other failures 401.
        let refusal = Self.jwt.refusal(.scope(required: ["pets/write"]))
        #expect(refusal.error == .forbidden)
        #expect(refusal.headers.first?.1.contains(#"error="insufficient_scope""#) == true)
        let expired = Self.jwt.refusal(.expired)
        #expect(expired.error == .unauthorized)
        #expect(expired.headers.first?.1 == #"Bearer scope="" error="invalid_token" error_description="the token has expired""#)
    }

    @Test func cognitoTokenUse() throws {
        let id = try Self.provider.token(["token_use": "id", "aud": "client", "cognito:username": "alice"])
        let access = try Self.provider.token(["token_use": "access", "client_id": "client", "scope": "orders/read"])
        // Without scopes the ID token; with scopes an access token holding one of them.
        #expect(failure(check(id, Self.cognito)) == nil)
        #expect(failure(check(access, Self.cognito)) == .tokenUse)
        #expect(failure(check(access, Self.cognito, scopes: ["orders/read"])) == nil)
        #expect(failure(check(id, Self.cognito, scopes: ["orders/read"])) == .tokenUse)
        #expect(failure(check(access, Self.cognito, scopes: ["orders/write"])) == .scope(required: ["orders/write"]))
        #expect(failure(check(try Self.provider.token(["aud": "client"]), Self.cognito)) == .tokenUse)
        #expect(Self.cognito.refusal(.expired).message == "The incoming token has expired")
        #expect(Self.cognito.refusal(.signature).error == .unauthorized)
        #expect(CognitoPool.issuer(providerARN: "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC") == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC")
    }

    @Test func verdictsAreCachedUntilTheTokenExpires() throws {
        let token = try Self.provider.token(["aud": "aud-1", "exp": Int(Self.now) + 2])
        var cache = TokenVerdictCache()
        let call = TokenCall(authorizer: Self.jwt, token: token, scopes: [])
        guard case .accepted = TokenCheck.run(call, keys: { _ in Self.keys }, cache: &cache, nowSeconds: Self.now) else { Issue.record("refused"); return }
        // Cached: no keys needed the second time.
        guard case .accepted = TokenCheck.run(call, keys: { _ in nil }, cache: &cache, nowSeconds: Self.now + 1) else { Issue.record("not cached"); return }
        // Expired: verified again, and refused.
        guard case .refused(.expired) = TokenCheck.run(call, keys: { _ in Self.keys }, cache: &cache, nowSeconds: Self.now + 3) else { Issue.record("served past exp"); return }
    }

    @Test func routesReadTheTokenAndAskForIt() throws {
        let gateway = try compileAPI("""
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /pets:
                get:
                  security: [{auth: [pets/read]}]
                  x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9/pets", payloadFormatVersion: "1.0"}
            components:
              securitySchemes:
                auth:
                  type: oauth2
                  flows: {}
                  x-amazon-apigateway-authorizer:
                    type: jwt
                    identitySource: $request.header.Authorization
                    jwtConfiguration: {issuer: "\(Self.issuer)", audience: [aud-1]}
            """, type: .http, stages: [Stage(name: "$default")])
        let (missing, routed) = decide(gateway, .GET, "/pets")
        guard case .fail(.unauthorized) = missing else { Issue.record("\(missing)"); return }
        #expect(routed.challengeFields.first?.1 == "Bearer")
        let (asked, _) = decide(gateway, .GET, "/pets", headers: [("Authorization", "Bearer abc.def.ghi")])
        guard case .verifyToken(let call) = asked else { Issue.record("\(asked)"); return }
        #expect(call.token == "abc.def.ghi" && call.scopes == ["pets/read"])
    }
}

/// What functions see of a token or a signature: payload 2.0's `authorizer.jwt` and `authorizer.iam`,
/// payload 1.0's `authorizer.claims` and `identity`.
@Suite struct AuthorizedEventTests {
    static func event(_ gateway: CompiledGateway, _ uri: String, _ authorization: AuthorizerResult) throws -> [String: JSONValue] {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri)
        head.headers.add(name: "host", value: "api1.execute-api.localhost")
        let (path, query) = Pipeline.splitTarget(uri)
        var routed = Pipeline.Routed(apiType: .rest)
        var generator = RequestIDGenerator()
        let decision = Pipeline.decide(
            head: head, path: path, query: query, requestID: generator.make(), sourceIP: "10.0.0.1", forwarded: ForwardedInfo(proto: "http", port: 80),
            gateway: gateway, routed: &routed, authorization: authorization)
        guard case .invoke(_, let event?, _) = decision else { throw TestFailure("\(decision)") }
        return try #require(JSONValue.parse(event.json(body: .init())).objectValue)
    }

    static let verdict = TokenVerdict(
        claims: ["sub": "alice", "exp": .number(1_900_000_000), "aud": .array(["a", "b"]), "email_verified": .bool(true)],
        scopes: ["pets/read"], tokenUse: nil, expiresAtSeconds: 1_900_000_000)

    @Test func payload2CarriesJWTClaimsAsStrings() throws {
        let fields = try Self.event(try FunctionTests.gateway(type: .http, version: "2.0"), "/items/1", Self.verdict.result(scopes: ["pets/read"]))
        let jwt = fields["requestContext"]?["authorizer"]?["jwt"]
        #expect(jwt?["claims"] == .object(["sub": "alice", "exp": "1900000000", "aud": "[a b]", "email_verified": "true"]))
        #expect(jwt?["scopes"] == .array(["pets/read"]))
    }

    @Test func payload1CarriesClaimsAndIAMIdentity() throws {
        let gateway = try FunctionTests.gateway()
        let claims = try Self.event(gateway, "/prod/items/1", Self.verdict.result(scopes: []))
        #expect(claims["requestContext"]?["authorizer"]?["claims"]?["sub"] == "alice")
        var signed = AuthorizerResult(principalID: nil, statements: [], isAuthorized: true, context: [:], usageIdentifierKey: nil)
        signed.iam = IAMIdentity(accessKey: "AKID", accountID: "123456789012", caller: "alice", userARN: "arn:aws:iam::123456789012:user/alice")
        let identity = try Self.event(gateway, "/prod/items/1", signed)["requestContext"]?["identity"]
        #expect(identity?["userArn"] == "arn:aws:iam::123456789012:user/alice")
        #expect(identity?["accessKey"] == "AKID")
        #expect(identity?["accountId"] == "123456789012")
        let http = try Self.event(try FunctionTests.gateway(type: .http, version: "2.0"), "/items/1", signed)
        #expect(http["requestContext"]?["authorizer"]?["iam"]?["userArn"] == "arn:aws:iam::123456789012:user/alice")
    }
}
