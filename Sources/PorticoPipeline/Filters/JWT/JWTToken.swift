import Crypto
import _CryptoExtras
import PorticoModel

/// The signature algorithms Portico verifies (AWS's HTTP API JWT authorizers: RSA ones; Portico
/// adds ECDSA and RSA-PSS). `none` and HMAC are never accepted: a gateway holds no shared secret.
public enum JWTAlgorithm: String, Sendable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384"
}

/// A compact JWS (`header.payload.signature`), decoded but not yet trusted.
public struct JWTToken: Sendable {
    public let algorithm: JWTAlgorithm
    public let keyID: String?
    public let claims: [String: JSONValue]
    let signingInput: [UInt8]
    let signature: [UInt8]

    /// Decodes the three parts; nil when the token is not a JWS Portico can verify.
    public static func decode(_ token: some StringProtocol) -> JWTToken? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              case .object(let header)? = try? JSONValue.parse(headerBytes),
              case .object(let claims)? = try? JSONValue.parse(payloadBytes),
              let algorithm = header["alg"]?.stringValue.flatMap(JWTAlgorithm.init(rawValue:))
        else { return nil }
        if let type = header["typ"]?.stringValue, !["JWT", "at+jwt", "application/at+jwt"].contains(type) { return nil }
        // Critical extensions Portico does not understand make the token unusable (RFC 7515 §4.1.11).
        if header["crit"] != nil { return nil }
        return JWTToken(
            algorithm: algorithm, keyID: header["kid"]?.stringValue, claims: claims,
            signingInput: Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)), signature: signature)
    }

    /// Whether one of the set's keys for this token's `kid` and algorithm made the signature.
    public func isSigned(by keys: JSONWebKeySet) -> Bool {
        keys.candidates(kid: keyID, algorithm: algorithm).contains { verify(with: $0) }
    }

    func verify(with key: JSONWebKey) -> Bool {
        switch (key.material, algorithm) {
        case (.rsa(let publicKey), _):
            let signature = _RSA.Signing.RSASignature(rawRepresentation: self.signature)
            switch algorithm {
            case .rs256: return publicKey.isValidSignature(signature, for: SHA256.hash(data: signingInput), padding: .insecurePKCS1v1_5)
            case .rs384: return publicKey.isValidSignature(signature, for: SHA384.hash(data: signingInput), padding: .insecurePKCS1v1_5)
            case .rs512: return publicKey.isValidSignature(signature, for: SHA512.hash(data: signingInput), padding: .insecurePKCS1v1_5)
            case .ps256: return publicKey.isValidSignature(signature, for: SHA256.hash(data: signingInput), padding: .PSS)
            case .ps384: return publicKey.isValidSignature(signature, for: SHA384.hash(data: signingInput), padding: .PSS)
            case .ps512: return publicKey.isValidSignature(signature, for: SHA512.hash(data: signingInput), padding: .PSS)
            case .es256, .es384: return false
            }
        case (.p256(let publicKey), .es256):
            guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: self.signature) else { return false }
            return publicKey.isValidSignature(signature, for: SHA256.hash(data: signingInput))
        case (.p384(let publicKey), .es384):
            guard let signature = try? P384.Signing.ECDSASignature(rawRepresentation: self.signature) else { return false }
            return publicKey.isValidSignature(signature, for: SHA384.hash(data: signingInput))
        default:
            return false
        }
    }

    /// A numeric date claim (`exp`, `nbf`, `iat`), in seconds.
    func seconds(_ claim: String) -> Double?? {
        guard let value = claims[claim] else { return .none }
        return .some(value.numberValue)
    }

    /// The `scope` claim (space-separated) or `scp` (a list or a string).
    public var scopes: [String] {
        if let scope = claims["scope"]?.stringValue { return scope.split(separator: " ").map(String.init) }
        if let list = claims["scp"]?.arrayValue { return list.compactMap(\.stringValue) }
        if let scope = claims["scp"]?.stringValue { return scope.split(separator: " ").map(String.init) }
        return []
    }
}
