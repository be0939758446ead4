import PorticoModel

/// An error the management API answers with AWS's status, `x-amzn-ErrorType` and `{"message": …}`,
/// so botocore raises the exception class a user expects.
public struct ManagementError: Error, Sendable, Equatable {
    public var type: String
    public var status: Int
    public var message: String

    public init(type: String, status: Int, message: String) {
        self.type = type
        self.status = status
        self.message = message
    }

    public static func notFound(_ message: String) -> ManagementError {
        ManagementError(type: "NotFoundException", status: 404, message: message)
    }

    public static func badRequest(_ message: String) -> ManagementError {
        ManagementError(type: "BadRequestException", status: 400, message: message)
    }

    /// Input that fails the service model's constraints (enum values, patch operations).
    public static func validation(_ message: String) -> ManagementError {
        ManagementError(type: "ValidationException", status: 400, message: message)
    }

    public static func conflict(_ message: String) -> ManagementError {
        ManagementError(type: "ConflictException", status: 409, message: message)
    }

    public static func tooManyRequests(_ message: String) -> ManagementError {
        ManagementError(type: "TooManyRequestsException", status: 429, message: message)
    }

    public static func unauthorized(_ message: String) -> ManagementError {
        ManagementError(type: "UnauthorizedException", status: 401, message: message)
    }

    public static func accessDenied(_ message: String) -> ManagementError {
        ManagementError(type: "AccessDeniedException", status: 403, message: message)
    }

    /// SigV4 failures, as AWS's front door words them.
    public static func signatureMismatch() -> ManagementError {
        ManagementError(type: "InvalidSignatureException", status: 403, message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    }

    public static func unrecognizedClient() -> ManagementError {
        ManagementError(type: "UnrecognizedClientException", status: 403, message: "The security token included in the request is invalid.")
    }

    public static func missingAuthenticationToken() -> ManagementError {
        ManagementError(type: "MissingAuthenticationTokenException", status: 403, message: "Missing Authentication Token")
    }

    /// Runs `body`, whose errors are all `ManagementError`s, as a typed-throws call.
    static func rethrowing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ManagementError { throw error } catch {
            throw ManagementError(type: "InternalFailure", status: 500, message: "\(error)")
        }
    }

    var response: AdminResponse {
        AdminResponse(
            status: status,
            headers: [("Content-Type", "application/json"), ("x-amzn-ErrorType", type)],
            body: Array(JSONValue.object(["message": .string(message), "__type": .string(type)]).serialized.utf8)
        )
    }
}
