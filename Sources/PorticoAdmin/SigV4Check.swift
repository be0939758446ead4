import PorticoPipeline

/// Admin credentials: a management call must be signed by one of them, as AWS requires.
enum SigV4Check {
    /// AWS's management endpoints allow 15 minutes of clock skew.
    static let maxSkewSeconds: Int64 = 900

    static func verify(_ request: AdminRequest, credentials: [String: String], now: Int64) -> ManagementError? {
        let query = request.rawQuery
        let signed = SigV4.Request(method: request.method, rawPath: request.path, rawQuery: query, headers: request.headers, body: request.body)
        do {
            _ = try SigV4.verify(signed, secret: { credentials[$0] }, now: now, maxSkew: maxSkewSeconds)
            return nil
        } catch {
            switch error {
            case .missing: return .missingAuthenticationToken()
            case .malformed(let message): return ManagementError(type: "IncompleteSignatureException", status: 403, message: message)
            case .unknownAccessKey: return .unrecognizedClient()
            case .expired(let signed, let now):
                return ManagementError(type: "InvalidSignatureException", status: 403, message: "Signature expired: \(signed) is now earlier than \(now) (\(now) - 15 min.)")
            case .mismatch: return .signatureMismatch()
            }
        }
    }
}
