import NIOHTTP1
import PorticoModel
import Testing

@testable import PorticoPipeline

/// AWS_IAM methods: SigV4 checked against portico.yaml's credentials, with AWS's messages.
@Suite struct IAMFilterTests {
    static let now: Int64 = 1_795_000_000
    static let alice = IAMCredential(accessKeyID: "AKIDALICE", secretAccessKey: "alice-secret", principalARN: "arn:aws:iam::123456789012:user/alice")
    static let temp = IAMCredential(accessKeyID: "ASIATEMP", secretAccessKey: "temp-secret", sessionToken: "session-token-1", principalARN: "arn:aws:sts::123456789012:assumed-role/ops/bob")
    static let limited = IAMCredential(
        accessKeyID: "AKIDCAROL", secretAccessKey: "carol-secret", principalARN: "arn:aws:iam::123456789012:user/carol",
        policy: .object(["Statement": .array([.object(["Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:api123/prod/GET/pets"])])]))

    static func gateway(policy: String? = nil) throws -> CompiledGateway {
        let yaml = """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            \(policy.map { "x-amazon-apigateway-policy: \($0)" } ?? "")
            paths:
              /pets:
                get:
                  security: [{sigv4: []}]
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200", responseTemplates: {application/json: '$context.identity.userArn $context.identity.accessKey'}}}}
                post:
                  security: [{sigv4: []}]
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
              /open:
                get:
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
            components:
              securitySchemes:
                sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
            """
        return try compileAPI(yaml) { $0.iamCredentials = [alice, temp, limited] }
    }

    /// A request signed as an SDK signs it, then decided at `at`.
    static func signed(
        _ credential: IAMCredential, _ method: HTTPMethod = .GET, _ uri: String = "/prod/pets", body: [UInt8] = [], signedAt: Int64 = now,
        at: Int64 = now, secret: String? = nil, token: String? = nil, gateway: CompiledGateway, sourceIP: String = "10.1.2.3"
    ) -> Pipeline.Decision {
        var headers: [(name: String, value: String)] = [("Host", "api123.execute-api.localhost")]
        if let token { headers.append(("X-Amz-Security-Token", token)) }
        let (path, query) = Pipeline.splitTarget(uri)
        let request = SigV4.Request(method: method.rawValue, rawPath: String(path), rawQuery: String(query), headers: headers, body: body)
        headers += SigV4.sign(request, accessKey: credential.accessKeyID, secretKey: secret ?? credential.secretAccessKey, region: "us-east-1", service: "execute-api", now: signedAt)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if !body.isEmpty { head.headers.add(name: "content-length", value: String(body.count)) }
        var routed = Pipeline.Routed(apiType: .rest)
        var generator = RequestIDGenerator()
        return Pipeline.decide(
            head: head, path: path, query: query, requestID: generator.make(), sourceIP: sourceIP, forwarded: ForwardedInfo(proto: "http", port: 80),
            gateway: gateway, routed: &routed, epochMillis: at * 1000, collectedBody: body.isEmpty ? nil : body)
    }

    func message(_ decision: Pipeline.Decision) -> (GatewayError, String)? {
        if case .reject(let error, let message, _) = decision { return (error, message) }
        if case .fail(let error) = decision { return (error, error.shape(for: .rest).message) }
        return nil
    }

    @Test func signedRequestsPassWithTheirIdentity() throws {
        let gateway = try Self.gateway()
        guard case .respond(let response) = Self.signed(Self.alice, gateway: gateway) else { Issue.record("not answered"); return }
        #expect(String(buffer: response.body) == "arn:aws:iam::123456789012:user/alice AKIDALICE")
        guard case .respond = Self.signed(Self.alice, .POST, body: Array(#"{"a":1}"#.utf8), gateway: gateway) else { Issue.record("POST refused"); return }
        guard case .respond = Self.signed(Self.temp, token: "session-token-1", gateway: gateway) else { Issue.record("session refused"); return }
    }

    @Test func awsRefusals() throws {
        let gateway = try Self.gateway()
        let (noSignature, _) = decide(gateway, .GET, "/prod/pets")
        #expect(message(noSignature)?.1 == "Missing Authentication Token")
        let wrongKey = message(Self.signed(Self.alice, secret: "not-the-secret", gateway: gateway))
        #expect(wrongKey?.0 == .invalidSignature)
        #expect(wrongKey?.1.hasPrefix("The request signature we calculated does not match the signature you provided.") == true)
        #expect(wrongKey?.1.contains("The Canonical String for this request should have been\n'GET\n/prod/pets\n") == true)
        let stranger = IAMCredential(accessKeyID: "AKIDNOBODY", secretAccessKey: "x", principalARN: "arn:aws:iam::1:user/x")
        #expect(message(Self.signed(stranger, gateway: gateway))?.1 == "The security token included in the request is invalid.")
        let old = message(Self.signed(Self.alice, signedAt: Self.now - 301, gateway: gateway))
        #expect(old?.0 == .invalidSignature)
        #expect(old?.1 == "Signature expired: \(SigV4.amzDate(Self.now - 301)) is now earlier than \(SigV4.amzDate(Self.now - 300)) (\(SigV4.amzDate(Self.now)) - 5 min.)")
        #expect(message(Self.signed(Self.alice, signedAt: Self.now + 301, gateway: gateway))?.1.hasPrefix("Signature not yet current") == true)
        guard case .respond = Self.signed(Self.alice, signedAt: Self.now - 299, gateway: gateway) else { Issue.record("within skew refused"); return }
        // Temporary credentials need their session token, and only theirs.
        #expect(message(Self.signed(Self.temp, gateway: gateway))?.0 == .unrecognizedClient)
        #expect(message(Self.signed(Self.temp, token: "other", gateway: gateway))?.0 == .unrecognizedClient)
        #expect(message(Self.signed(Self.alice, token: "stray", gateway: gateway))?.0 == .unrecognizedClient)
        // A body signed as another body fails.
        let tampered = Self.signedTampered(gateway: gateway)
        #expect(message(tampered)?.0 == .invalidSignature)
    }

    static func signedTampered(gateway: CompiledGateway) -> Pipeline.Decision {
        let body = Array(#"{"amount":1}"#.utf8)
        var headers: [(name: String, value: String)] = [("Host", "h")]
        let request = SigV4.Request(method: "POST", rawPath: "/prod/pets", rawQuery: "", headers: headers, body: body)
        headers += SigV4.sign(request, accessKey: alice.accessKeyID, secretKey: alice.secretAccessKey, region: "us-east-1", service: "execute-api", now: now)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/prod/pets")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "content-length", value: String(body.count))
        var routed = Pipeline.Routed(apiType: .rest)
        var generator = RequestIDGenerator()
        // Without the body the filter waits for it; with a changed byte it refuses.
        let first = Pipeline.decide(head: head, path: "/prod/pets", query: "", requestID: generator.make(), sourceIP: "1.1.1.1", forwarded: ForwardedInfo(proto: "http", port: 80), gateway: gateway, routed: &routed, epochMillis: now * 1000)
        guard case .collectBody = first else { return first }
        return Pipeline.decide(head: head, path: "/prod/pets", query: "", requestID: generator.make(), sourceIP: "1.1.1.1", forwarded: ForwardedInfo(proto: "http", port: 80), gateway: gateway, routed: &routed, epochMillis: now * 1000, collectedBody: Array(#"{"amount":9}"#.utf8))
    }

    @Test func identityPoliciesLimitWhatAPrincipalInvokes() throws {
        let gateway = try Self.gateway()
        guard case .respond = Self.signed(Self.limited, gateway: gateway) else { Issue.record("allowed GET refused"); return }
        let refused = message(Self.signed(Self.limited, .POST, body: [1], gateway: gateway))
        #expect(refused?.0 == .accessDenied)
        #expect(refused?.1 == "User: arn:aws:iam::123456789012:user/carol is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:api123/prod/POST/pets")
    }

    @Test func byteIdenticalRequestsAreVerifiedOnceWhileTheSignatureHolds() throws {
        var headers: [(name: String, value: String)] = [("Host", "h")]
        let request = SigV4.Request(method: "GET", rawPath: "/prod/pets", rawQuery: "", headers: headers, body: [])
        headers += SigV4.sign(request, accessKey: Self.alice.accessKeyID, secretKey: Self.alice.secretAccessKey, region: "us-east-1", service: "execute-api", now: Self.now)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/prod/pets")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let cache = SignedRequestCache()
        let arn = "arn:aws:execute-api:us-east-1:123456789012:api123/prod/GET/pets"
        func check(_ credentials: [String: IAMCredential], at: Int64) -> IAMFilter.Outcome {
            IAMFilter.check(head: head, path: "/prod/pets", query: "", body: [], credentials: credentials, methodARN: arn, nowSeconds: at, verdicts: cache)
        }
        guard case .verified = check([Self.alice.accessKeyID: Self.alice], at: Self.now) else { Issue.record("refused"); return }
        // The same bytes again: answered from the cache (no credential is even looked up).
        guard case .verified(let cached) = check([:], at: Self.now + 10) else { Issue.record("not cached"); return }
        #expect(cached.iam?.userARN == Self.alice.principalARN)
        // Past the signature's five minutes the request is checked again, and refused.
        guard case .refused(.invalidSignature, let message) = check([Self.alice.accessKeyID: Self.alice], at: Self.now + 301) else { Issue.record("served past expiry"); return }
        #expect(message.hasPrefix("Signature expired"))
    }
}
