import Crypto
import _CryptoExtras
import PorticoModel

/// A public key from an issuer's JSON Web Key Set, ready to verify signatures.
public struct JSONWebKey: Sendable {
    /// swift-crypto's EC public keys are immutable values it does not mark Sendable.
    public enum Material: @unchecked Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
    }

    public let id: String?
    /// The `alg` the key is restricted to, when the set says.
    public let algorithm: String?
    public let material: Material

    /// Whether this key can check a signature made with `algorithm`.
    func fits(_ algorithm: JWTAlgorithm) -> Bool {
        if let restricted = self.algorithm, restricted != algorithm.rawValue { return false }
        switch (material, algorithm) {
        case (.rsa, .rs256), (.rsa, .rs384), (.rsa, .rs512), (.rsa, .ps256), (.rsa, .ps384), (.rsa, .ps512): return true
        case (.p256, .es256), (.p384, .es384): return true
        default: return false
        }
    }
}

/// The keys of one issuer, by `kid`.
public struct JSONWebKeySet: Sendable {
    public let keys: [JSONWebKey]

    public init(keys: [JSONWebKey]) { self.keys = keys }

    /// Reads `{"keys": [...]}`: RSA (`n`, `e`) and EC (`crv` P-256 / P-384, `x`, `y`) signing keys.
    /// Keys of other types or uses are skipped, as a verifier must; a set with none is an error.
    public static func parse(_ bytes: [UInt8]) throws(JWKSError) -> JSONWebKeySet {
        guard let document = try? JSONValue.parse(bytes), let entries = document["keys"]?.arrayValue else {
            throw JWKSError("the key set is not JSON with a 'keys' array")
        }
        var keys: [JSONWebKey] = []
        for entry in entries {
            if let use = entry["use"]?.stringValue, use != "sig" { continue }
            guard let material = material(entry) else { continue }
            keys.append(JSONWebKey(id: entry["kid"]?.stringValue, algorithm: entry["alg"]?.stringValue, material: material))
        }
        guard !keys.isEmpty else { throw JWKSError("the key set holds no RSA or EC signing key Portico can use") }
        return JSONWebKeySet(keys: keys)
    }

    private static func material(_ entry: JSONValue) -> JSONWebKey.Material? {
        func bytes(_ name: String) -> [UInt8]? { entry[name]?.stringValue.flatMap(Base64URL.decode) }
        switch entry["kty"]?.stringValue {
        case "RSA":
            guard let n = bytes("n"), let e = bytes("e"), let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { return nil }
            return .rsa(key)
        case "EC":
            guard let x = bytes("x"), let y = bytes("y") else { return nil }
            switch entry["crv"]?.stringValue {
            case "P-256": return (try? P256.Signing.PublicKey(rawRepresentation: x + y)).map { .p256($0) }
            case "P-384": return (try? P384.Signing.PublicKey(rawRepresentation: x + y)).map { .p384($0) }
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The keys that may have signed a token with this `kid` and algorithm.
    func candidates(kid: String?, algorithm: JWTAlgorithm) -> [JSONWebKey] {
        keys.filter { $0.fits(algorithm) && (kid == nil || $0.id == kid) }
    }
}

public struct JWKSError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// base64url without padding, as JOSE writes it (RFC 7515 §2).
public enum Base64URL {
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                continue
            case UInt8(ascii: "=") where !text.isEmpty:
                continue
            default:
                return nil
            }
        }
        return Base64.decode(String(text))
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var text = Base64.encode(bytes)
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}
