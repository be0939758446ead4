import NIOHTTP1
import PorticoModel
import Testing

@testable import PorticoPipeline

/// Resource policies: IAM's evaluation (explicit deny wins, then allow), principals, source IPs.
@Suite struct ResourcePolicyTests {
    static let arn = "arn:aws:execute-api:us-east-1:123456789012:api123/prod/GET/pets"

    static func policy(_ json: String) -> PolicyDocument {
        PolicyDocument(try! JSONValue.parse(json), apiARN: ARNs.api("api123"))
    }

    static let anonymous = PolicyDocument.Caller(principalARN: nil, accountID: nil, sourceIP: "10.1.2.3")

    @Test func ipConditionsAndExplicitDeny() {
        let document = Self.policy("""
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
              {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
               "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}}
            ]}
            """)
        #expect(document.problems.isEmpty)
        #expect(document.evaluate(caller: Self.anonymous, methodARN: Self.arn) == .allow)
        #expect(document.evaluate(caller: .init(principalARN: nil, accountID: nil, sourceIP: "192.168.1.1"), methodARN: Self.arn) == .explicitDeny)
        #expect(document.evaluate(caller: .init(principalARN: nil, accountID: nil, sourceIP: "2001:db8::7"), methodARN: Self.arn) == .allow)
        #expect(document.evaluate(caller: .init(principalARN: nil, accountID: nil, sourceIP: "2001:db9::7"), methodARN: Self.arn) == .explicitDeny)
        #expect(document.evaluate(caller: .init(principalARN: nil, accountID: nil, sourceIP: "::ffff:10.9.9.9"), methodARN: Self.arn) == .allow)
    }

    @Test func principalsAndResources() {
        let document = Self.policy("""
            {"Statement": [
              {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:user/alice", "210987654321"]}, "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:api123/prod/GET/*"},
              {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "execute-api:*", "Resource": "execute-api:/*/DELETE/*",
               "Condition": {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin*"}}}
            ]}
            """)
        let alice = PolicyDocument.Caller(principalARN: "arn:aws:iam::123456789012:user/alice", accountID: "123456789012", sourceIP: "1.1.1.1")
        let partner = PolicyDocument.Caller(principalARN: "arn:aws:iam::210987654321:user/x", accountID: "210987654321", sourceIP: "1.1.1.1")
        let admin = PolicyDocument.Caller(principalARN: "arn:aws:iam::123456789012:role/admin-ops", accountID: "123456789012", sourceIP: "1.1.1.1")
        #expect(document.evaluate(caller: alice, methodARN: Self.arn) == .allow)
        #expect(document.evaluate(caller: partner, methodARN: Self.arn) == .allow)
        #expect(document.evaluate(caller: Self.anonymous, methodARN: Self.arn) == .implicitDeny)
        let delete = "arn:aws:execute-api:us-east-1:123456789012:api123/prod/DELETE/pets/1"
        #expect(document.evaluate(caller: alice, methodARN: delete) == .explicitDeny)
        #expect(document.evaluate(caller: admin, methodARN: delete) == .implicitDeny)
    }

    @Test func unsupportedKeysAreReportedAndAbsent() {
        let document = Self.policy("""
            {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
              "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b"}}},
              {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}
            """)
        #expect(document.problems.contains { $0.contains("aws:SourceVpce") })
        // A request carries no VPC endpoint: the negated condition holds, as IAM evaluates a missing key.
        #expect(document.evaluate(caller: Self.anonymous, methodARN: Self.arn) == .explicitDeny)
    }

    @Test func ipRanges() {
        #expect(IPRange("10.0.0.0/8")?.contains("10.255.0.1") == true)
        #expect(IPRange("10.0.0.0/8")?.contains("11.0.0.1") == false)
        #expect(IPRange("192.168.1.7")?.contains("192.168.1.7") == true)
        #expect(IPRange("0.0.0.0/0")?.contains("8.8.8.8") == true)
        #expect(IPRange("::1/128")?.contains("::1") == true)
        #expect(IPRange("fe80::/10")?.contains("fe80::1%eth0") == true)
        #expect(IPRange("2001:db8:0:0:0:0:0:0/33")?.contains("2001:db8:7fff::1") == true)
        #expect(IPRange("2001:db8::/33")?.contains("2001:db8:8000::1") == false)
        #expect(IPRange("10.0.0.0/33") == nil)
        #expect(IPRange("1::2::3") == nil)
        #expect(IPRange("300.1.1.1") == nil)
    }

    @Test func restAPIsAnswerAsIAMWordsIt() throws {
        let gateway = try compileAPI("""
            openapi: 3.0.1
            info: {title: t, version: "1"}
            x-amazon-apigateway-policy:
              Version: "2012-10-17"
              Statement:
                - {Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/prod/GET/pets"}
                - {Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", Condition: {IpAddress: {"aws:SourceIp": "10.1.0.0/16"}}}
            paths:
              /pets:
                get:
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
              /cats:
                get:
                  x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
            """)
        // The helper's caller is 10.1.2.3: denied explicitly everywhere.
        let (denied, _) = decide(gateway, .GET, "/prod/pets")
        guard case .reject(.resourcePolicyDenied, let message, _) = denied else { Issue.record("\(denied)"); return }
        #expect(message == "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api123/prod/GET/pets with an explicit deny")
        let response = GatewayError.resourcePolicyDenied.response(for: .rest, limits: Limits(), message: message)
        #expect(String(buffer: response.body) == #"{"Message":"\#(message)"}"#)
        #expect(response.headers.first { $0.0 == "x-amzn-ErrorType" }?.1 == "AccessDeniedException")
    }
}
