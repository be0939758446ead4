import PorticoModel

/// Every failure a client can see, named after API Gateway's gateway response types. One place
/// (`GatewayResponses`) turns it into the status, body and headers AWS sends.
public enum GatewayError: String, Error, Sendable, Hashable, CaseIterable {
    case missingAuthenticationToken = "MISSING_AUTHENTICATION_TOKEN"
    case resourceNotFound = "RESOURCE_NOT_FOUND"
    case integrationTimeout = "INTEGRATION_TIMEOUT"
    case integrationFailure = "INTEGRATION_FAILURE"
    case apiConfigurationError = "API_CONFIGURATION_ERROR"
    case requestTooLarge = "REQUEST_TOO_LARGE"
    case requestHeadersTooLarge = "REQUEST_HEADER_FIELDS_TOO_LARGE"
    case badRequest = "BAD_REQUEST"
    case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
    /// A request validator found a required parameter missing.
    case badRequestParameters = "BAD_REQUEST_PARAMETERS"
    /// A request validator found the body invalid against its model.
    case badRequestBody = "BAD_REQUEST_BODY"
    case forbidden = "ACCESS_DENIED"
    /// A function failed, answered malformed, or could not run: 502 on REST APIs, 500 on HTTP APIs.
    case functionFailure = "FUNCTION_FAILURE"
    case throttled = "THROTTLED"
    /// No API key, or one that is unknown, disabled or in no usage plan of the stage.
    case invalidAPIKey = "INVALID_API_KEY"
    /// The key's usage plan quota is used up for the period.
    case quotaExceeded = "QUOTA_EXCEEDED"
    /// No identity, a token that fails validation, or an authorizer that says `Unauthorized`.
    case unauthorized = "UNAUTHORIZED"
    /// The authorizer's policy denies the method explicitly.
    case explicitDeny = "ACCESS_DENIED_EXPLICIT"
    /// The authorizer's policy allows nothing that matches the method.
    case accessDenied = "ACCESS_DENIED_POLICY"
    /// The authorizer failed or answered something unreadable.
    case authorizerFailure = "AUTHORIZER_FAILURE"
    /// A SigV4 signature that is malformed, expired or does not match (AWS_IAM).
    case invalidSignature = "INVALID_SIGNATURE"
    /// A signature by an access key (or with a session token) Portico does not know.
    case unrecognizedClient = "UNRECOGNIZED_CLIENT"
    /// The API's resource policy denies the caller: AWS's `{"Message": …}` body.
    case resourcePolicyDenied = "RESOURCE_POLICY_DENIED"
    /// A WAF rule blocked the request.
    case wafFiltered = "WAF_FILTERED"
    /// A plain HTTP request to a WebSocket API's stage.
    case upgradeRequired = "UPGRADE_REQUIRED"
    /// `@connections` for a connection that is not open.
    case gone = "GONE"
    case internalError = "DEFAULT_5XX"

    /// Status, message and `x-amzn-ErrorType` as AWS returns them for this API type.
    public func shape(for type: APIType) -> (status: Int, message: String, errorType: String) {
        switch (self, type) {
        case (.missingAuthenticationToken, .rest):
            return (403, "Missing Authentication Token", "MissingAuthenticationTokenException")
        case (.missingAuthenticationToken, _), (.resourceNotFound, _):
            return (404, "Not Found", "NotFoundException")
        case (.integrationTimeout, .rest):
            return (504, "Endpoint request timed out", "InternalServerErrorException")
        case (.integrationTimeout, _):
            return (503, "Service Unavailable", "ServiceUnavailableException")
        case (.integrationFailure, .rest), (.apiConfigurationError, .rest), (.internalError, .rest):
            return (500, "Internal server error", "InternalServerErrorException")
        case (.integrationFailure, _), (.apiConfigurationError, _), (.internalError, _):
            return (500, "Internal Server Error", "InternalServerErrorException")
        case (.requestTooLarge, .rest):
            return (413, "Request Too Long", "BadRequestException")
        case (.requestTooLarge, _):
            return (413, "Request Entity Too Large", "RequestEntityTooLargeException")
        case (.requestHeadersTooLarge, _):
            return (431, "Request Header Fields Too Large", "RequestHeaderFieldsTooLargeException")
        case (.badRequest, _):
            return (400, "Bad Request", "BadRequestException")
        case (.badRequestParameters, _):
            return (400, "Missing required request parameters", "BadRequestException")
        case (.badRequestBody, _):
            return (400, "Invalid request body", "BadRequestException")
        case (.unsupportedMediaType, _):
            return (415, "Unsupported Media Type", "BadRequestException")
        case (.forbidden, _):
            return (403, "Forbidden", "ForbiddenException")
        case (.functionFailure, .rest):
            return (502, "Internal server error", "InternalServerErrorException")
        case (.functionFailure, _):
            return (500, "Internal Server Error", "InternalServerErrorException")
        case (.throttled, _):
            return (429, "Too Many Requests", "TooManyRequestsException")
        case (.invalidAPIKey, _):
            return (403, "Forbidden", "ForbiddenException")
        case (.quotaExceeded, _):
            return (429, "Limit Exceeded", "LimitExceededException")
        case (.unauthorized, _):
            return (401, "Unauthorized", "UnauthorizedException")
        case (.explicitDeny, .rest):
            return (403, "User is not authorized to access this resource with an explicit deny", "AccessDeniedException")
        case (.accessDenied, .rest):
            return (403, "User is not authorized to access this resource", "AccessDeniedException")
        case (.explicitDeny, _), (.accessDenied, _):
            return (403, "Forbidden", "ForbiddenException")
        case (.invalidSignature, _):
            return (403, "The request signature we calculated does not match the signature you provided.", "InvalidSignatureException")
        case (.unrecognizedClient, _):
            return (403, "The security token included in the request is invalid.", "UnrecognizedClientException")
        case (.resourcePolicyDenied, _):
            return (403, "User: anonymous is not authorized to perform: execute-api:Invoke", "AccessDeniedException")
        case (.wafFiltered, _):
            return (403, "Forbidden", "ForbiddenException")
        case (.upgradeRequired, _):
            return (426, "Upgrade Required", "BadRequestException")
        case (.gone, _):
            return (410, "Gone", "GoneException")
        case (.authorizerFailure, .rest):
            return (500, "null", "AuthorizerConfigurationException")
        case (.authorizerFailure, _):
            return (500, "Internal Server Error", "InternalServerErrorException")
        }
    }
}
