import Crypto
import _CryptoExtras
import Foundation
import PorticoPipeline

/// A test identity provider: real RSA and EC key pairs, their JSON Web Key Set, and tokens signed
/// with them (or tampered with) for the authorizer tests.
public final class TokenIssuer: @unchecked Sendable {
    public let issuer: String
    let rsa: _RSA.Signing.PrivateKey
    let ec: P256.Signing.PrivateKey
    let ec384: P384.Signing.PrivateKey
    public let rsaKeyID: String
    public let ecKeyID: String
    public let ec384KeyID: String

    /// `generation` names the keys (`rsa-1`, `ec-1`, …), so a second issuer can stand for a key rotation.
    public init(issuer: String, generation: Int = 1) throws {
        self.issuer = issuer
        rsaKeyID = "rsa-\(generation)"
        ecKeyID = "ec-\(generation)"
        ec384KeyID = "ec384-\(generation)"
        rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        ec = P256.Signing.PrivateKey()
        ec384 = P384.Signing.PrivateKey()
    }

    /// `{"keys": [...]}` with the RSA and both EC public keys.
    public var jwks: String { "{\"keys\": [\(keyList)]}" }

    /// The set's entries, to join with another generation's.
    public var keyList: String {
        let der = Array(rsa.publicKey.pkcs1DERRepresentation)
        let (n, e) = Self.rsaComponents(pkcs1: der)
        let p256 = Array(ec.publicKey.rawRepresentation), p384 = Array(ec384.publicKey.rawRepresentation)
        return """
              {"kty": "RSA", "kid": "\(rsaKeyID)", "use": "sig", "n": "\(Base64URL.encode(n))", "e": "\(Base64URL.encode(e))"},
              {"kty": "EC", "kid": "\(ecKeyID)", "crv": "P-256", "x": "\(Base64URL.encode(Array(p256[..<32])))", "y": "\(Base64URL.encode(Array(p256[32...])))"},
              {"kty": "EC", "kid": "\(ec384KeyID)", "crv": "P-384", "x": "\(Base64URL.encode(Array(p384[..<48])))", "y": "\(Base64URL.encode(Array(p384[48...])))"}
            """
    }

    /// A token with `claims` (`iss`, `iat` and `exp` one hour ahead added unless given), signed with `algorithm`.
    public func token(_ claims: [String: Any], algorithm: String = "RS256", keyID: String? = nil, now: Date = Date()) throws -> String {
        var all = claims
        if all["iss"] == nil { all["iss"] = issuer }
        if all["iat"] == nil { all["iat"] = Int(now.timeIntervalSince1970) - 1 }
        if all["exp"] == nil { all["exp"] = Int(now.timeIntervalSince1970) + 3600 }
        for (key, value) in all where value is NSNull { all[key] = nil }
        let kid = keyID ?? (algorithm.hasPrefix("ES384") ? ec384KeyID : algorithm.hasPrefix("ES") ? ecKeyID : rsaKeyID)
        let header = try JSONSerialization.data(withJSONObject: ["alg": algorithm, "typ": "JWT", "kid": kid], options: [.sortedKeys])
        let payload = try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys])
        let input = Base64URL.encode(Array(header)) + "." + Base64URL.encode(Array(payload))
        let data = Data(input.utf8)
        let signature: [UInt8]
        switch algorithm {
        case "RS256": signature = Array(try rsa.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation)
        case "RS384": signature = Array(try rsa.signature(for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation)
        case "RS512": signature = Array(try rsa.signature(for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation)
        case "PS256": signature = Array(try rsa.signature(for: SHA256.hash(data: data), padding: .PSS).rawRepresentation)
        case "ES256": signature = Array(try ec.signature(for: SHA256.hash(data: data)).rawRepresentation)
        case "ES384": signature = Array(try ec384.signature(for: SHA384.hash(data: data)).rawRepresentation)
        default: signature = []
        }
        return input + "." + Base64URL.encode(signature)
    }

    /// n and e from a PKCS#1 RSAPublicKey (SEQUENCE { INTEGER n, INTEGER e }).
    static func rsaComponents(pkcs1 der: [UInt8]) -> ([UInt8], [UInt8]) {
        var index = 0
        func length() -> Int {
            let first = Int(der[index]); index += 1
            if first < 0x80 { return first }
            var value = 0
            for _ in 0..<(first & 0x7F) { value = value << 8 | Int(der[index]); index += 1 }
            return value
        }
        func integer() -> [UInt8] {
            index += 1  // INTEGER tag
            let count = length()
            var bytes = Array(der[index..<index + count])
            index += count
            while bytes.first == 0, bytes.count > 1 { bytes.removeFirst() }
            return bytes
        }
        index += 1  // SEQUENCE tag
        _ = length()
        let n = integer()
        return (n, integer())
    }
}
