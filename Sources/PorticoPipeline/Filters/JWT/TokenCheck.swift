/// Verified tokens by authorizer and token, until they expire: identical tokens are verified once
/// (the benchmark's JWT route pays a dictionary lookup, not an RSA verification). One per event loop.
public struct TokenVerdictCache: Sendable {
    private var entries: [TokenCall.Key: TokenVerdict] = [:]
    /// Bounded: a flood of distinct tokens empties the cache rather than growing it.
    let capacity: Int

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    func lookup(_ key: TokenCall.Key, nowSeconds: Double) -> TokenVerdict? {
        guard let verdict = entries[key], verdict.expiresAtSeconds > nowSeconds else { return nil }
        return verdict
    }

    mutating func store(_ verdict: TokenVerdict, key: TokenCall.Key, nowSeconds: Double) {
        if entries.count >= capacity {
            entries = entries.filter { $0.value.expiresAtSeconds > nowSeconds }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[key] = verdict
    }

    public mutating func removeAll() { entries.removeAll() }
}

/// One token through a JWT or Cognito authorizer: the cached verdict, or the issuer's keys and
/// AWS's checks, then the route's scopes. Pure: keys and the clock come in.
public enum TokenCheck {
    public enum Outcome: Sendable {
        case accepted(AuthorizerResult)
        case refused(TokenFailure)
        /// The issuer's keys are not known yet (or lack the token's `kid`: `refresh`).
        case needsKeys(issuer: String, refresh: Bool)
    }

    /// `keysRefreshed`: the keys were just fetched for this token, so a missing `kid` is final.
    public static func run(
        _ call: TokenCall, keys: (String) -> JSONWebKeySet?, cache: inout TokenVerdictCache, nowSeconds: Double, keysRefreshed: Bool = false
    ) -> Outcome {
        let authorizer = call.authorizer
        if let verdict = cache.lookup(call.cacheKey, nowSeconds: nowSeconds) {
            return admit(verdict, call: call)
        }
        guard let token = JWTToken.decode(call.token) else { return .refused(.malformed) }
        let issuer: String
        switch authorizer.issuer(of: token) {
        case .success(let found): issuer = found
        case .failure(let failure): return .refused(failure)
        }
        guard let known = keys(issuer) else {
            return keysRefreshed ? .refused(.keysUnavailable("no key set")) : .needsKeys(issuer: issuer, refresh: false)
        }
        switch authorizer.verify(token, keys: known, nowSeconds: nowSeconds) {
        case .failure(.unknownKey) where !keysRefreshed:
            return .needsKeys(issuer: issuer, refresh: true)
        case .failure(let failure):
            return .refused(failure)
        case .success(let verdict):
            cache.store(verdict, key: call.cacheKey, nowSeconds: nowSeconds)
            return admit(verdict, call: call)
        }
    }

    private static func admit(_ verdict: TokenVerdict, call: TokenCall) -> Outcome {
        if let failure = call.authorizer.admits(verdict, scopes: call.scopes) { return .refused(failure) }
        return .accepted(verdict.result(scopes: call.scopes))
    }
}

/// What an event loop holds for authorization, so repeated callers go on at once: token verdicts
/// (with the issuers' keys it knows; only a key fetch waits) and verified signed requests. Each loop
/// has its own: no lock is shared between loops on these paths.
public protocol LoopVerifier: AnyObject {
    func verify(_ call: TokenCall) -> TokenCheck.Outcome
    /// Verified SigV4 requests of the current snapshot, this loop's.
    var signedRequests: SignedRequestCache { get }
}
