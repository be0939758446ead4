import PorticoModel

/// `AWS_IAM` authorization: the request's SigV4 signature (header or presigned query) checked
/// against the credentials portico.yaml lists, with execute-api's 5 minutes of clock skew, then the
/// principal's policy. Pure: the caller brings the body (when it has one) and the clock.
public enum IAMFilter {
    /// AWS allows execute-api signatures 5 minutes either side of its clock.
    public static let maxSkewSeconds: Int64 = 300

    public enum Outcome: Sendable {
        case verified(AuthorizerResult)
        /// The payload hash needs the body: collect it, then check again.
        case needsBody
        case refused(GatewayError, message: String)
    }

    /// `body` is nil while a body is still to come; `methodARN` is what the principal's policy is checked against.
    public static func check<Head: RequestHead>(
        head: Head, path: Substring, query: Substring, body: [UInt8]?, credentials: [String: IAMCredential], methodARN: String,
        nowSeconds: Int64
    ) -> Outcome {
        var headers: [(name: String, value: String)] = []
        head.forEachField { name, value in
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        let request = SigV4.Request(method: head.method.rawValue, rawPath: String(path), rawQuery: String(query), headers: headers, body: body ?? [])
        let credential: SigV4.Credential
        do {
            credential = try SigV4.credential(of: request)
        } catch {
            return refusal(error, request: request, credential: nil, secret: nil, now: nowSeconds)
        }
        guard credential.service == "execute-api" else {
            return .refused(.invalidSignature, message: "Credential should be scoped to correct service: 'execute-api'. ")
        }
        guard let known = credentials[credential.accessKey] else {
            return .refused(.unrecognizedClient, message: GatewayError.unrecognizedClient.shape(for: .rest).message)
        }
        // Temporary credentials carry their session token; a token that is not theirs is invalid.
        let presented = SigV4.header(headers, "x-amz-security-token") ?? SigV4.decodedQuery(String(query)).first { $0.0 == "X-Amz-Security-Token" }?.1
        if presented != known.sessionToken {
            return .refused(.unrecognizedClient, message: GatewayError.unrecognizedClient.shape(for: .rest).message)
        }
        // The payload hash: a declared one (`x-amz-content-sha256`) needs no body; otherwise wait for it.
        if body == nil, SigV4.header(headers, "x-amz-content-sha256") == nil { return .needsBody }
        do {
            _ = try SigV4.verify(request, secret: { $0 == known.accessKeyID ? known.secretAccessKey : nil }, now: nowSeconds, maxSkew: maxSkewSeconds)
        } catch {
            return refusal(error, request: request, credential: credential, secret: known.secretAccessKey, now: nowSeconds)
        }
        if let policy = known.policy, !PolicyDocument(policy).allowsInvoke(of: methodARN) {
            return .refused(.accessDenied, message: "User: \(known.principalARN) is not authorized to perform: execute-api:Invoke on resource: \(methodARN)")
        }
        var result = AuthorizerResult(principalID: nil, statements: [], isAuthorized: true, context: [:], usageIdentifierKey: nil)
        let caller = known.principalARN.split(separator: "/").last.map(String.init) ?? known.accessKeyID
        result.iam = IAMIdentity(accessKey: known.accessKeyID, accountID: known.accountID, caller: caller, userARN: known.principalARN)
        return .verified(result)
    }

    /// AWS's messages for each way a signature fails.
    static func refusal(_ failure: SigV4.Failure, request: SigV4.Request, credential: SigV4.Credential?, secret: String?, now: Int64) -> Outcome {
        switch failure {
        case .missing:
            return .refused(.missingAuthenticationToken, message: GatewayError.missingAuthenticationToken.shape(for: .rest).message)
        case .malformed(let message):
            return .refused(.invalidSignature, message: message)
        case .unknownAccessKey:
            return .refused(.unrecognizedClient, message: GatewayError.unrecognizedClient.shape(for: .rest).message)
        case .expired(let signed, let nowText):
            let signedAt = SigV4.epochSeconds(amzDate: signed) ?? 0
            if signedAt > now {
                let limit = SigV4.amzDate(now + maxSkewSeconds)
                return .refused(.invalidSignature, message: "Signature not yet current: \(signed) is still later than \(limit) (\(nowText) + 5 min.)")
            }
            if credential?.presigned == true { return .refused(.invalidSignature, message: "Signature expired: \(signed) is now earlier than \(nowText)") }
            let limit = SigV4.amzDate(now - maxSkewSeconds)
            return .refused(.invalidSignature, message: "Signature expired: \(signed) is now earlier than \(limit) (\(nowText) - 5 min.)")
        case .mismatch:
            var message = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
            if let credential {
                let canonical = SigV4.canonicalRequest(request, credential: credential)
                message += "\n\nThe Canonical String for this request should have been\n'\(canonical)'\n\nThe String-to-Sign should have been\n'\(SigV4.stringToSign(canonical, credential: credential))'\n"
            }
            return .refused(.invalidSignature, message: message)
        }
    }
}
