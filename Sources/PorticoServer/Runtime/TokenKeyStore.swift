import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOConcurrencyHelpers
import PorticoModel
import PorticoPipeline

/// Token issuers' public keys, shared by the event loops. Read (under a lock) only when a token's
/// verdict is not cached on the loop; fetched off the loops, once per issuer at a time: from the
/// issuer's discovery document (`{issuer}/.well-known/openid-configuration` → `jwks_uri`), or from
/// portico.yaml's `jwks` entry for it.
final class TokenKeyStore: Sendable {
    struct Entry {
        var keys: JSONWebKeySet?
        var fetchedAt: Double = 0
        var lastAttempt: Double = -.infinity
        /// When an unknown `kid` last forced a refetch.
        var lastRefresh: Double = -.infinity
        var fetching: Task<Void, Never>?
        /// Why the last fetch failed, for the log line of the requests it refused.
        var lastError: String?
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    /// AWS keeps an issuer's keys for up to two hours.
    static let maxAgeSeconds: Double = 7200
    /// An unknown `kid` refetches the set at most this often per issuer, so a flood of forged
    /// tokens cannot turn into a flood of requests to the identity provider.
    static let minRefetchSeconds: Double = 10
    /// AWS's timeout for each request to the identity provider.
    static let fetchTimeoutSeconds: Double = 1.5

    func keys(for issuer: String, nowSeconds: Double) -> JSONWebKeySet? {
        entries.withLockedValue { entries in
            guard let entry = entries[issuer], let keys = entry.keys, nowSeconds - entry.fetchedAt < Self.maxAgeSeconds else { return nil }
            return keys
        }
    }

    /// Fetches the issuer's keys unless a fetch is under way (then waits for it) or the last
    /// attempt was too recent to refetch.
    func fetch(_ issuer: String, source: JWKSSource?, refresh: Bool, nowSeconds: Double) async {
        let task: Task<Void, Never>? = entries.withLockedValue { entries in
            var entry = entries[issuer] ?? Entry()
            if let running = entry.fetching { return running }
            let fresh = entry.keys != nil && nowSeconds - entry.fetchedAt < Self.maxAgeSeconds
            if fresh && !refresh { return nil }
            // A failing identity provider is asked again at most every 10 s; so is a set refreshed
            // for an unknown `kid`.
            if !fresh && nowSeconds - entry.lastAttempt < Self.minRefetchSeconds { return nil }
            if fresh && nowSeconds - entry.lastRefresh < Self.minRefetchSeconds { return nil }
            if fresh { entry.lastRefresh = nowSeconds }
            entry.lastAttempt = nowSeconds
            let running = Task { [self] in
                let result: Result<JSONWebKeySet, any Error>
                do { result = .success(try await Self.load(issuer: issuer, source: source)) } catch { result = .failure(error) }
                self.entries.withLockedValue { entries in
                    entries[issuer]?.fetching = nil
                    switch result {
                    case .success(let keys):
                        entries[issuer]?.keys = keys
                        entries[issuer]?.fetchedAt = Date().timeIntervalSince1970
                        entries[issuer]?.lastError = nil
                    case .failure(let error):
                        entries[issuer]?.lastError = "\(error)"
                    }
                }
            }
            entry.fetching = running
            entries[issuer] = entry
            return running
        }
        await task?.value
    }

    func lastError(for issuer: String) -> String? {
        entries.withLockedValue { $0[issuer]?.lastError }
    }

    func removeAll() {
        entries.withLockedValue { $0.removeAll() }
    }

    struct FetchError: Error, CustomStringConvertible {
        let description: String
    }

    static func load(issuer: String, source: JWKSSource?) async throws -> JSONWebKeySet {
        if let file = source?.file {
            return try JSONWebKeySet.parse(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        }
        var uri = source?.jwksURI
        if uri == nil {
            let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
            let discovery = try await get(base + "/.well-known/openid-configuration")
            guard let found = (try? JSONValue.parse(discovery))?["jwks_uri"]?.stringValue else {
                throw FetchError(description: "the discovery document of \(issuer) names no jwks_uri")
            }
            uri = found
        }
        return try JSONWebKeySet.parse(try await get(uri!))
    }

    private static func get(_ address: String) async throws -> [UInt8] {
        guard let url = URL(string: address), url.scheme == "http" || url.scheme == "https" else {
            throw FetchError(description: "\(address) is not an http(s) URL")
        }
        let request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: fetchTimeoutSeconds)
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw FetchError(description: "\(address) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        return Array(data)
    }
}
