/// The settings of who may call an API: JWT issuers' key sets, IAM credentials, CORS.

/// How a method or route is authorized (AWS's `authorizationType`).
public enum AuthorizationType: String, Sendable, Hashable {
    case none = "NONE"
    /// SigV4-signed by a configured IAM credential.
    case awsIAM = "AWS_IAM"
    /// A Lambda authorizer.
    case custom = "CUSTOM"
    /// An HTTP API JWT authorizer.
    case jwt = "JWT"
    /// A REST Cognito user pool authorizer.
    case cognitoUserPools = "COGNITO_USER_POOLS"
}

/// A JWT authorizer's `jwtConfiguration` (HTTP APIs).
public struct JWTConfiguration: Sendable, Hashable {
    public var issuer: String
    /// A valid token's `aud` (or, without `aud`, `client_id`) is one of these.
    public var audience: [String]

    public init(issuer: String, audience: [String]) {
        self.issuer = issuer
        self.audience = audience
    }
}

/// Where the keys of a token issuer come from, when not from its OpenID discovery document
/// (`{issuer}/.well-known/openid-configuration` → `jwks_uri`). Lets a local identity provider stand in
/// for Cognito: tokens keep Cognito's issuer, keys come from here.
public struct JWKSSource: Sendable, Hashable {
    public var issuer: String
    /// An http(s) URL of the key set.
    public var jwksURI: String?
    /// A JSON Web Key Set file.
    public var file: String?

    public init(issuer: String, jwksURI: String? = nil, file: String? = nil) {
        self.issuer = issuer
        self.jwksURI = jwksURI
        self.file = file
    }
}

/// An IAM credential that may sign requests to `AWS_IAM` methods, and who it stands for.
public struct IAMCredential: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// When set, requests must carry it as `X-Amz-Security-Token` (temporary credentials).
    public var sessionToken: String?
    /// `arn:aws:iam::123456789012:user/alice`, or an assumed role's ARN.
    public var principalARN: String
    /// The IAM policy that says what the principal may invoke; nil allows `execute-api:Invoke` on all.
    public var policy: JSONValue?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, principalARN: String, policy: JSONValue? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.principalARN = principalARN
        self.policy = policy
    }

    /// The account in the principal's ARN (`arn:aws:iam::ACCOUNT:…`).
    public var accountID: String {
        let parts = principalARN.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 5, omittingEmptySubsequences: false)
        return parts.count > 4 ? String(Substring(parts[4])) : ""
    }
}

/// An HTTP API's `corsConfiguration` (`x-amazon-apigateway-cors`).
public struct CORSConfiguration: Sendable, Hashable {
    public var allowOrigins: [String]
    public var allowMethods: [String]
    public var allowHeaders: [String]
    public var exposeHeaders: [String]
    public var maxAge: Int?
    public var allowCredentials: Bool

    public init(allowOrigins: [String] = [], allowMethods: [String] = [], allowHeaders: [String] = [], exposeHeaders: [String] = [], maxAge: Int? = nil, allowCredentials: Bool = false) {
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
        self.allowCredentials = allowCredentials
    }
}

/// Cognito user pools, named by ARN.
public enum CognitoPool {
    /// `arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC` →
    /// `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC`, the issuer of its tokens.
    public static func issuer(providerARN: String) -> String? {
        let parts = providerARN.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "cognito-idp", parts[5].hasPrefix("userpool/") else { return nil }
        let pool = parts[5].dropFirst("userpool/".count)
        guard !pool.isEmpty else { return nil }
        return "https://cognito-idp.\(parts[3]).amazonaws.com/\(pool)"
    }
}

/// WAF-style rules of a stage (`waf:` in portico.yaml), evaluated in order before anything else,
/// as AWS WAF evaluates a web ACL's rules by priority: the first `block` or `allow` decides; `count`
/// only counts.
public struct WAFConfig: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable { case block, allow, count }

    public var rules: [WAFRule]
    /// What happens when no rule decides (AWS's web ACL default action).
    public var defaultAction: Action

    public init(rules: [WAFRule] = [], defaultAction: Action = .allow) {
        self.rules = rules
        self.defaultAction = defaultAction
    }
}

public struct WAFRule: Sendable, Hashable {
    /// The parts of a request a match statement inspects.
    public enum Field: Sendable, Hashable {
        case uri, query, body, allHeaders
        case header(String)
    }

    public enum Transformation: String, Sendable, Hashable {
        case urlDecode = "URL_DECODE"
        case htmlEntityDecode = "HTML_ENTITY_DECODE"
        case lowercase = "LOWERCASE"
        case compressWhiteSpace = "COMPRESS_WHITE_SPACE"
    }

    public enum Statement: Sendable, Hashable {
        /// The client IP is (or, negated, is not) in one of the CIDR blocks.
        case ipSet(addresses: [String], negated: Bool)
        /// More than `limit` requests from one IP within the last `windowSeconds` (AWS: 300).
        case rateBased(limit: Int, windowSeconds: Int)
        /// The field's size (bytes) compared with `size`: EQ, NE, LE, LT, GE, GT.
        case sizeConstraint(field: Field, comparison: String, size: Int)
        case sqlInjection(fields: [Field], transformations: [Transformation])
        case crossSiteScripting(fields: [Field], transformations: [Transformation])
    }

    public var name: String
    public var action: WAFConfig.Action
    public var statement: Statement

    public init(name: String, action: WAFConfig.Action, statement: Statement) {
        self.name = name
        self.action = action
        self.statement = statement
    }
}
