import PorticoModel
import Synchronization

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
        nowSeconds: Int64, keys: SigningKeyCache? = nil, verdicts: SignedRequestCache? = nil
    ) -> Outcome {
        // A byte-identical signed request (no body) verified before, still within its validity.
        var replayKey: [UInt8]?
        if let verdicts, body?.isEmpty == true {
            let key = SignedRequestCache.key(head: head)
            if let known = verdicts.lookup(key, nowSeconds: nowSeconds) { return .verified(known) }
            replayKey = key
        }
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
        let presented = SigV4.header(request.headers, "x-amz-security-token") ?? SigV4.decodedQuery(String(query)).first { $0.0 == "X-Amz-Security-Token" }?.1
        if presented != known.sessionToken {
            return .refused(.unrecognizedClient, message: GatewayError.unrecognizedClient.shape(for: .rest).message)
        }
        // The payload hash: a declared one (`x-amz-content-sha256`) needs no body; otherwise wait for it.
        if body == nil, SigV4.header(request.headers, "x-amz-content-sha256") == nil { return .needsBody }
        do {
            _ = try SigV4.verify(request, credential: credential, secret: { $0 == known.accessKeyID ? known.secretAccessKey : nil }, now: nowSeconds, maxSkew: maxSkewSeconds, keys: keys)
        } catch {
            return refusal(error, request: request, credential: credential, secret: known.secretAccessKey, now: nowSeconds)
        }
        if let policy = known.policy, !PolicyDocument(policy).allowsInvoke(of: methodARN) {
            return .refused(.accessDenied, message: "User: \(known.principalARN) is not authorized to perform: execute-api:Invoke on resource: \(methodARN)")
        }
        var result = AuthorizerResult(principalID: nil, statements: [], isAuthorized: true, context: [:], usageIdentifierKey: nil)
        let caller = known.principalARN.split(separator: "/").last.map(String.init) ?? known.accessKeyID
        result.iam = IAMIdentity(accessKey: known.accessKeyID, accountID: known.accountID, caller: caller, userARN: known.principalARN)
        if let replayKey, let verdicts, let signedAt = SigV4.epochSeconds(amzDate: credential.amzDate) {
            // Good while the signature is: the skew window, or a presigned URL's expiry.
            let until = credential.presigned ? signedAt + Int64(credential.expiresSeconds ?? 900) : signedAt + maxSkewSeconds
            verdicts.store(result, key: replayKey, untilSeconds: min(until, signedAt + maxSkewSeconds + 900))
        }
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

/// Verified signed requests without a body, by their exact bytes (method, target and every header),
/// until their signature expires: a request repeated byte for byte within the signature's validity
/// is the same request AWS would accept again, verified once. Bounded; one per event loop (its lock
/// is never contended), emptied with each new snapshot.
public final class SignedRequestCache: Sendable {
    private struct Entry: Sendable {
        let result: AuthorizerResult
        let untilSeconds: Int64
    }

    private let entries = Mutex<[[UInt8]: Entry]>([:])
    let capacity = 10_000

    public init() {}

    static func key<Head: RequestHead>(head: Head) -> [UInt8] {
        var key = Array(head.method.rawValue.utf8)
        key.append(UInt8(ascii: " "))
        key += head.uri.utf8
        head.forEachField { name, value in
            key.append(0)
            key += name
            key.append(UInt8(ascii: ":"))
            key += value
        }
        return key
    }

    func lookup(_ key: [UInt8], nowSeconds: Int64) -> AuthorizerResult? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.untilSeconds >= nowSeconds else { return nil }
            return entry.result
        }
    }

    func store(_ result: AuthorizerResult, key: [UInt8], untilSeconds: Int64) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = Entry(result: result, untilSeconds: untilSeconds)
        }
    }
}
