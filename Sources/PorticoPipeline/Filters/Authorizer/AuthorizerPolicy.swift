import PorticoModel

/// Who signed an `AWS_IAM` request.
public struct IAMIdentity: Sendable, Equatable {
    public var accessKey: String
    public var accountID: String
    /// `user/alice` → `alice`'s unique id stand-in: the access key, as Portico has no IAM user ids.
    public var caller: String
    public var userARN: String

    public init(accessKey: String, accountID: String, caller: String, userARN: String) {
        self.accessKey = accessKey
        self.accountID = accountID
        self.caller = caller
        self.userARN = userARN
    }
}

/// What a Lambda authorizer answered, read once and then evaluated against each method ARN (a
/// cached answer serves other methods too, as AWS's cache does).
public struct AuthorizerResult: Sendable, Equatable {
    public var principalID: String?
    public var statements: [Statement]
    /// HTTP API simple responses: `isAuthorized` instead of a policy.
    public var isAuthorized: Bool?
    /// `context`, passed on to `$context.authorizer.*` and the proxy event.
    public var context: [String: JSONValue]
    public var usageIdentifierKey: String?
    /// A JWT or Cognito authorizer's verified claims (`$context.authorizer.claims`), and the token's
    /// scopes when the route asked for some.
    public var claims: [String: JSONValue]?
    public var scopes: [String]?
    /// The IAM caller of an `AWS_IAM` method (`$context.identity.*`).
    public var iam: IAMIdentity?

    public struct Statement: Sendable, Equatable {
        public var allow: Bool
        public var actions: [String]
        public var resources: [String]
    }

    public enum Decision: Equatable, Sendable {
        case allow
        case explicitDeny
        case noMatchingAllow
    }

    /// An explicit Deny wins; else an Allow whose action and resource match; else denied.
    public func evaluate(methodARN: String) -> Decision {
        if let isAuthorized { return isAuthorized ? .allow : .noMatchingAllow }
        let applicable = statements.filter { statement in
            statement.actions.contains { ARNPattern.matches($0, "execute-api:Invoke") || $0 == "*" || $0 == "execute-api:*" }
                && statement.resources.contains { ARNPattern.matches($0, methodARN) }
        }
        if applicable.contains(where: { !$0.allow }) { return .explicitDeny }
        return applicable.contains(where: \.allow) ? .allow : .noMatchingAllow
    }

    public enum ReadError: Error, Equatable, Sendable {
        /// The function said `Unauthorized` (an error whose message is exactly that): 401.
        case unauthorized
        /// Anything else that is not a usable answer: 500.
        case invalid(String)
    }

    /// Reads the function's outcome: a policy response (`principalId`, `policyDocument`, `context`,
    /// `usageIdentifierKey`) or, for HTTP APIs with simple responses, `{isAuthorized, context}`.
    public static func read(_ outcome: FunctionOutcome, simpleResponses: Bool) -> Result<AuthorizerResult, ReadError> {
        switch outcome {
        case .timeout: return .failure(.invalid("the authorizer timed out"))
        case .throttled: return .failure(.invalid("the authorizer was throttled"))
        case .failure(let reason): return .failure(.invalid(reason))
        case .error(let document):
            let message = (try? JSONValue.parse(document))?["errorMessage"]?.stringValue
            return .failure(message == "Unauthorized" ? .unauthorized : .invalid("the authorizer failed: \(message ?? "unknown error")"))
        case .result(let payload):
            guard case .object(let members)? = try? JSONValue.parse(payload) else {
                return .failure(.invalid("the authorizer's answer is not a JSON object"))
            }
            var context: [String: JSONValue] = [:]
            for (key, value) in members["context"]?.objectValue ?? [:] {
                // AWS passes only strings, numbers and booleans on.
                switch value {
                case .string, .number, .bool: context[key] = value
                default: continue
                }
            }
            if simpleResponses {
                guard let flag = members["isAuthorized"]?.boolValue else { return .failure(.invalid("a simple response needs isAuthorized")) }
                return .success(AuthorizerResult(principalID: nil, statements: [], isAuthorized: flag, context: context, usageIdentifierKey: nil))
            }
            guard let document = members["policyDocument"]?.objectValue else {
                return .failure(.invalid("the authorizer's answer has no policyDocument"))
            }
            var statements: [Statement] = []
            let list: [JSONValue] = document["Statement"]?.arrayValue ?? (document["Statement"].map { [$0] } ?? [])
            for item in list {
                guard let effect = item["Effect"]?.stringValue else { return .failure(.invalid("a statement has no Effect")) }
                statements.append(Statement(allow: effect.lowercased() == "allow", actions: strings(item["Action"]), resources: strings(item["Resource"])))
            }
            let principal: String? = members["principalId"].flatMap { value in
                switch value {
                case .string(let text): text
                case .number(let number): JSONValue.format(number)
                default: nil
                }
            }
            return .success(AuthorizerResult(principalID: principal, statements: statements, isAuthorized: nil, context: context, usageIdentifierKey: members["usageIdentifierKey"]?.stringValue))
        }
    }

    static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let items): items.compactMap(\.stringValue)
        default: []
        }
    }
}

/// IAM's wildcards in ARNs and actions: `*` any run of characters, `?` any one (case-sensitive).
public enum ARNPattern {
    public static func matches(_ pattern: String, _ value: String) -> Bool {
        let p = Array(pattern.utf8), v = Array(value.utf8)
        var pi = 0, vi = 0, star = -1, mark = 0
        while vi < v.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == v[vi] {
                pi += 1
                vi += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = vi
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                vi = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
