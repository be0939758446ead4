import Foundation
import NIOPosix
import PorticoTesting
import Testing

/// JWT (HTTP API) and Cognito (REST) authorizers and CORS through the real server, with a local
/// identity provider serving its discovery document and key set over HTTP.
@Suite(.serialized) struct AccessControlTests {
    /// A request off Swift's cooperative pool: the gateway fetches keys on it.
    static func call(_ port: Int, _ method: String, _ path: String, headers: [(String, String)] = []) async -> RawHTTPClient.Response? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: try? RawHTTPClient(port: port).request(method, path, headers: headers)) }
        }
    }

    static let pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Tests"

    @Test(.timeLimit(.minutes(2))) func jwtAuthorizersCognitoAndCORS() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let idp = try await FakeUpstream.start(group: group)
        let issuer = "http://127.0.0.1:\(idp.port)/idp"
        let provider = try TokenIssuer(issuer: issuer)
        idp.serve(path: "/idp/.well-known/openid-configuration", json: #"{"issuer": "\#(issuer)", "jwks_uri": "\#(issuer)/keys"}"#)
        idp.serve(path: "/idp/keys", json: provider.jwks)
        let cognito = try TokenIssuer(issuer: Self.pool)
        let gateway = try await TestGateway.start(files: [
            "portico.yaml": """
                listeners: [{host: 127.0.0.1, port: 0}]
                accessLog: {enabled: false}
                jwks:
                  - {issuer: "\(Self.pool)", file: pool-keys.json}
                apis:
                  - {name: open, id: httpapi1, type: HTTP, definition: http.yaml, stages: [{name: $default}]}
                  - {name: orders, id: rest1, type: REST, definition: rest.yaml, stages: [{name: prod}]}
                """,
            "pool-keys.json": cognito.jwks,
            "http.yaml": """
                openapi: 3.0.1
                info: {title: open, version: "1"}
                x-amazon-apigateway-cors: {allowOrigins: ["https://app.example.com"], allowMethods: [GET], allowHeaders: [authorization], maxAge: 300}
                paths:
                  /pets:
                    get:
                      security: [{idp: []}]
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:\(idp.port)/pets", payloadFormatVersion: "1.0"}
                  /admin:
                    get:
                      security: [{idp: [pets/admin]}]
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:\(idp.port)/admin", payloadFormatVersion: "1.0"}
                components:
                  securitySchemes:
                    idp:
                      type: oauth2
                      flows: {}
                      x-amazon-apigateway-authorizer:
                        type: jwt
                        identitySource: $request.header.Authorization
                        jwtConfiguration: {issuer: "\(issuer)", audience: [portico-tests]}
                """,
            "rest.yaml": """
                swagger: "2.0"
                info: {title: orders, version: "1"}
                paths:
                  /orders:
                    get:
                      security: [{pool: []}]
                      x-amazon-apigateway-integration:
                        type: mock
                        requestTemplates: {application/json: '{"statusCode": 200}'}
                        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"user": "$context.authorizer.claims[''cognito:username'']", "sub": "$context.authorizer.claims.sub"}'}}}
                securityDefinitions:
                  pool:
                    type: apiKey
                    name: Authorization
                    in: header
                    x-amazon-apigateway-authtype: cognito_user_pools
                    x-amazon-apigateway-authorizer: {type: cognito_user_pools, providerARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Tests"]}
                """,
        ])
        defer { Task { await gateway.stop(); await idp.stop(); try? await group.shutdownGracefully() } }
        let port = gateway.port
        let good = try provider.token(["aud": "portico-tests", "sub": "alice", "scope": "pets/read"])
        func keyFetches() -> Int { idp.received.filter { $0.uri == "/idp/keys" }.count }

        // No token: 401 with a bare challenge, before any key is fetched.
        let missing = await Self.call(port, "GET", "/pets")
        #expect(missing?.status == 401)
        #expect(missing?.text == #"{"message":"Unauthorized"}"#)
        #expect(missing?.header("www-authenticate") == "Bearer")
        #expect(keyFetches() == 0)
        // A good token, with or without `Bearer `: keys fetched once through discovery, then cached.
        for prefix in ["Bearer ", "", "Bearer "] {
            let passed = await Self.call(port, "GET", "/pets", headers: [("Authorization", prefix + good)])
            #expect(passed?.status == 200, "\(passed?.text ?? "no answer")")
            #expect(passed?.text.contains("uri=/pets") == true)
        }
        #expect(keyFetches() == 1)
        // AWS's refusals with their challenges.
        let expired = await Self.call(port, "GET", "/pets", headers: [("Authorization", try provider.token(["aud": "portico-tests", "exp": Int(Date().timeIntervalSince1970) - 5]))])
        #expect(expired?.status == 401)
        #expect(expired?.header("www-authenticate") == #"Bearer scope="" error="invalid_token" error_description="the token has expired""#)
        let stranger = await Self.call(port, "GET", "/pets", headers: [("Authorization", try provider.token(["aud": "someone-else"]))])
        #expect(stranger?.header("www-authenticate")?.contains("the token does not have a valid audience") == true)
        let noScope = await Self.call(port, "GET", "/admin", headers: [("Authorization", good)])
        #expect(noScope?.status == 403)
        #expect(noScope?.text == #"{"message":"Forbidden"}"#)
        #expect(noScope?.header("www-authenticate")?.contains(#"error="insufficient_scope""#) == true)

        // Key rotation: a token signed by a new key makes the gateway fetch the set again, once.
        let rotated = try TokenIssuer(issuer: issuer, generation: 2)
        idp.serve(path: "/idp/keys", json: "{\"keys\": [\(provider.keyList), \(rotated.keyList)]}")
        let fresh = await Self.call(port, "GET", "/pets", headers: [("Authorization", try rotated.token(["aud": "portico-tests"], algorithm: "ES256"))])
        #expect(fresh?.status == 200, "\(fresh?.text ?? "no answer")")
        #expect(keyFetches() == 2)
        // Forged kids do not turn into requests to the identity provider (one refetch per 10 s).
        for _ in 0..<3 {
            let forged = await Self.call(port, "GET", "/pets", headers: [("Authorization", try provider.token(["aud": "portico-tests"], keyID: "forged"))])
            #expect(forged?.status == 401)
        }
        #expect(keyFetches() == 2)

        // CORS: the preflight is the gateway's (no OPTIONS route, no token), responses carry the origin.
        let preflight = await Self.call(port, "OPTIONS", "/pets", headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "GET")])
        #expect(preflight?.status == 204)
        #expect(preflight?.header("access-control-allow-origin") == "https://app.example.com")
        #expect(preflight?.header("access-control-max-age") == "300")
        let cors = await Self.call(port, "GET", "/pets", headers: [("Authorization", good), ("Origin", "https://app.example.com")])
        #expect(cors?.header("access-control-allow-origin") == "https://app.example.com")
        let refusedCORS = await Self.call(port, "GET", "/pets", headers: [("Origin", "https://app.example.com")])
        #expect(refusedCORS?.status == 401 && refusedCORS?.header("access-control-allow-origin") == "https://app.example.com")

        // Cognito (REST), keys from a file: ID tokens without scopes, claims in $context.authorizer.claims.
        let id = try cognito.token(["token_use": "id", "aud": "app-client", "sub": "u-1", "cognito:username": "alice"])
        let orders = await Self.call(port, "GET", "/prod/orders", headers: [("Authorization", id)])
        #expect(orders?.status == 200)
        #expect(orders?.text == #"{"user": "alice", "sub": "u-1"}"#)
        let access = await Self.call(port, "GET", "/prod/orders", headers: [("Authorization", try cognito.token(["token_use": "access", "client_id": "app-client"]))])
        #expect(access?.status == 401)
        #expect(access?.text == #"{"message": "Unauthorized"}"#)
        let old = await Self.call(port, "GET", "/prod/orders", headers: [("Authorization", try cognito.token(["token_use": "id", "exp": Int(Date().timeIntervalSince1970) - 5]))])
        #expect(old?.status == 401)
        #expect(old?.text == #"{"message": "The incoming token has expired"}"#)
        // A token of the HTTP API's issuer is not the pool's.
        let foreign = await Self.call(port, "GET", "/prod/orders", headers: [("Authorization", try provider.token(["token_use": "id"]))])
        #expect(foreign?.status == 401)
    }

    @Test(.timeLimit(.minutes(1))) func wafRulesBlockLogAndCount() async throws {
        let gateway = try await TestGateway.start(files: [
            "portico.yaml": """
                listeners: [{host: 127.0.0.1, port: 0}]
                admin: {host: 127.0.0.1, port: 0}
                accessLog: {format: "$context.status $context.error.message", destination: access.log}
                apis:
                  - name: shop
                    id: shop1
                    type: REST
                    definition: api.yaml
                    stages:
                      - name: prod
                        waf:
                          rules:
                            - {name: sqli, action: block, sqliMatch: {fields: [query, body], transformations: [URL_DECODE]}}
                            - {name: xss-watch, action: count, xssMatch: {fields: [query], transformations: [URL_DECODE]}}
                            - {name: flood, action: block, rateBased: {limit: 10, windowSeconds: 60}}
                """,
            "api.yaml": """
                openapi: 3.0.1
                info: {title: shop, version: "1"}
                paths:
                  /items:
                    x-amazon-apigateway-any-method:
                      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
                """,
        ])
        defer { Task { await gateway.stop() } }
        let port = gateway.port
        let injected = await Self.call(port, "GET", "/prod/items?id=1%27%20OR%20%271%27%3D%271")
        #expect(injected?.status == 403)
        #expect(injected?.text == #"{"message": "Forbidden"}"#)
        let body = try gateway.client().request("POST", "/prod/items", body: #"{"q": "x'; DROP TABLE users; --"}"#)
        #expect(body.status == 403)
        let watched = await Self.call(port, "GET", "/prod/items?q=%3Cscript%3E")
        #expect(watched?.status == 200, "a count rule does not block")
        // The rate rule has counted 1 request (blocked ones stopped at the first rule); the 11th is over.
        for _ in 0..<9 { #expect(await Self.call(port, "GET", "/prod/items")?.status == 200) }
        #expect(await Self.call(port, "GET", "/prod/items")?.status == 403)
        let metrics = await Self.call(gateway.adminPort!, "GET", "/metrics")?.text ?? ""
        #expect(metrics.contains(#"portico_waf_matches_total{api="shop1",stage="prod",rule="sqli",action="block"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"rule="xss-watch",action="count"} 1"#))
        #expect(metrics.contains(#"rule="flood",action="block"} 1"#))
        try await Task.sleep(for: .milliseconds(300))
        let log = (try? String(contentsOfFile: gateway.directory + "/access.log", encoding: .utf8)) ?? ""
        #expect(log.contains("403 blocked by the WAF rule 'sqli'"), "\(log)")
    }
}

/// AWS_IAM methods and resource policies with botocore's signers, against the real binary:
/// Tests/e2e/access_e2e.py.
@Suite(.serialized) struct AccessE2ETests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("e2e/access_e2e.py").path

    @Test(.enabled(if: CLITests.binary != nil), .timeLimit(.minutes(3)))
    func botocoreSignersAgainstIAMMethodsAndResourcePolicies() async throws {
        if try await runProgram("/usr/bin/env", ["python3", "-c", "import botocore"]).status != 0 {
            let install = try await runProgram("/usr/bin/env", ["python3", "-m", "pip", "install", "--quiet", "boto3"])
            try #require(install.status == 0, "pip install boto3 failed: \(install.output)")
        }
        let (status, output) = try await runProgram("/usr/bin/env", ["python3", Self.script, CLITests.binary!])
        #expect(status == 0, "\(output)")
        #expect(output.contains("4 passed, 0 failed"), "\(output)")
    }
}
