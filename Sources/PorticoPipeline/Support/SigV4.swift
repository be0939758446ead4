import Crypto
import Synchronization

/// AWS Signature Version 4 verification, from the request as received: the `Authorization`
/// header form and the presigned query form. Pure: the caller supplies the secret for the access
/// key, the clock and the allowed skew. The management API uses it for admin credentials; IAM
/// authorization of API methods uses it for callers.
public struct SigV4: Sendable {
    public struct Request: Sendable {
        public var method: String
        /// The path exactly as sent (still percent-encoded).
        public var rawPath: String
        /// The query string exactly as sent, without `?`.
        public var rawQuery: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        /// Header names are kept in lower case, as the canonical request writes them.
        public init(method: String, rawPath: String, rawQuery: String, headers: [(name: String, value: String)], body: [UInt8]) {
            self.method = method
            self.rawPath = rawPath
            self.rawQuery = rawQuery
            self.headers = headers.map { header in
                header.name.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } ? (header.name.lowercased(), header.value) : header
            }
            self.body = body
        }
    }

    public enum Failure: Error, Sendable, Equatable {
        /// No signature at all.
        case missing
        /// The signature's form cannot be read.
        case malformed(String)
        /// Unknown access key.
        case unknownAccessKey
        /// The date is outside the allowed window: AWS's "Signature expired" message.
        case expired(signed: String, now: String)
        case mismatch
    }

    /// What a signature names, once read.
    public struct Credential: Sendable, Equatable {
        public var accessKey: String
        public var date: String
        public var region: String
        public var service: String
        public var amzDate: String
        public var signedHeaders: [String]
        public var signature: String
        /// Presigned URLs sign everything but the signature itself.
        public var presigned: Bool
        public var expiresSeconds: Int?
        public var scope: String { "\(date)/\(region)/\(service)/aws4_request" }
    }

    /// Reads the credential from the `Authorization` header or the `X-Amz-*` query parameters.
    public static func credential(of request: Request) throws(Failure) -> Credential {
        if let authorization = header(request.headers, "authorization") {
            guard authorization.hasPrefix("AWS4-HMAC-SHA256 ") else { throw .malformed("Authorization header requires the AWS4-HMAC-SHA256 algorithm") }
            // Split on bytes: the header is ASCII, and Character-wise splitting costs microseconds here.
            var credential: String?, signed: String?, signature: String?
            for part in authorization.utf8.dropFirst("AWS4-HMAC-SHA256 ".utf8.count).split(separator: UInt8(ascii: ",")) {
                let field = part.drop { $0 == UInt8(ascii: " ") }
                guard let equals = field.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let value = String(Substring(field[field.index(after: equals)...]))
                switch String(Substring(field[..<equals])) {
                case "Credential": credential = value
                case "SignedHeaders": signed = value
                case "Signature": signature = value
                default: break
                }
            }
            guard let credential, let signed, let signature else {
                throw .malformed("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
            }
            guard let amzDate = header(request.headers, "x-amz-date") ?? header(request.headers, "date") else {
                throw .malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
            }
            return try parse(credential: credential, amzDate: amzDate, signedHeaders: signed, signature: signature, presigned: false, expires: nil)
        }
        let query = decodedQuery(request.rawQuery)
        guard let algorithm = query.first(where: { $0.0 == "X-Amz-Algorithm" })?.1 else { throw .missing }
        guard algorithm == "AWS4-HMAC-SHA256" else { throw .malformed("X-Amz-Algorithm must be AWS4-HMAC-SHA256") }
        func value(_ name: String) throws(Failure) -> String {
            guard let found = query.first(where: { $0.0 == name })?.1 else { throw .malformed("\(name) is required") }
            return found
        }
        return try parse(
            credential: try value("X-Amz-Credential"), amzDate: try value("X-Amz-Date"), signedHeaders: try value("X-Amz-SignedHeaders"),
            signature: try value("X-Amz-Signature"), presigned: true, expires: query.first(where: { $0.0 == "X-Amz-Expires" }).flatMap { Int($0.1) }
        )
    }

    private static func parse(credential: String, amzDate: String, signedHeaders: String, signature: String, presigned: Bool, expires: Int?) throws(Failure) -> Credential {
        let parts = credential.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { String(Substring($0)) }
        guard parts.count == 5, parts[4] == "aws4_request" else { throw .malformed("Credential should be scoped to a valid region, service and aws4_request") }
        return Credential(
            accessKey: parts[0], date: parts[1], region: parts[2], service: parts[3], amzDate: amzDate,
            signedHeaders: signedHeaders.utf8.split(separator: UInt8(ascii: ";")).map { String(Substring($0)).lowercased() }, signature: signature.lowercased(),
            presigned: presigned, expiresSeconds: expires
        )
    }

    /// Verifies the signature. `secret` maps an access key to its secret key (nil: unknown);
    /// `now` is seconds since the epoch; `maxSkew` seconds either side of the signed date (AWS: 300
    /// for execute-api, 900 for the management API).
    public static func verify(_ request: Request, secret: (String) -> String?, now: Int64, maxSkew: Int64) throws(Failure) -> Credential {
        try verify(request, credential: try credential(of: request), secret: secret, now: now, maxSkew: maxSkew)
    }

    /// Verifies a signature whose credential was read already.
    public static func verify(
        _ request: Request, credential: Credential, secret: (String) -> String?, now: Int64, maxSkew: Int64, keys: SigningKeyCache? = nil
    ) throws(Failure) -> Credential {
        guard let key = secret(credential.accessKey) else { throw .unknownAccessKey }
        guard let signedAt = epochSeconds(amzDate: credential.amzDate) else { throw .malformed("X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z'") }
        if credential.presigned {
            let expires = Int64(credential.expiresSeconds ?? 900)
            if now > signedAt + expires || signedAt > now + maxSkew {
                throw .expired(signed: credential.amzDate, now: amzDate(now))
            }
        } else if abs(now - signedAt) > maxSkew {
            throw .expired(signed: credential.amzDate, now: amzDate(now))
        }
        let expected = signature(for: request, credential: credential, secretKey: key, keys: keys)
        guard constantTimeEquals(expected, credential.signature) else { throw .mismatch }
        return credential
    }

    /// The signature the request should carry, as AWS computes it.
    public static func signature(for request: Request, credential: Credential, secretKey: String, keys: SigningKeyCache? = nil) -> String {
        let stringToSign = stringToSign(canonicalRequest(request, credential: credential), credential: credential)
        let key = keys?.key(secretKey: secretKey, credential: credential) ?? signingKey(secretKey: secretKey, credential: credential)
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// The key of a day, region and service: four HMACs from the secret.
    static func signingKey(secretKey: String, credential: Credential) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + secretKey).utf8))
        for part in [credential.date, credential.region, credential.service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// Algorithm, date, scope and the canonical request's hash, one per line.
    public static func stringToSign(_ canonicalRequest: String, credential: Credential) -> String {
        ["AWS4-HMAC-SHA256", credential.amzDate, credential.scope, hex(SHA256.hash(data: Array(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// Signs a request (the client side, for `portico import|export|deploy`): returns the
    /// `X-Amz-Date` and `Authorization` fields to add. `request.headers` must hold `Host`.
    public static func sign(_ request: Request, accessKey: String, secretKey: String, region: String, service: String, now: Int64) -> [(name: String, value: String)] {
        let amzDate = amzDate(now)
        var signed = request
        signed.headers.append(("x-amz-date", amzDate))
        let names = Set(signed.headers.map { $0.name.lowercased() }).sorted()
        let credential = Credential(
            accessKey: accessKey, date: String(amzDate.prefix(8)), region: region, service: service, amzDate: amzDate,
            signedHeaders: names, signature: "", presigned: false, expiresSeconds: nil
        )
        let signature = signature(for: signed, credential: credential, secretKey: secretKey)
        return [
            ("X-Amz-Date", amzDate),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(credential.scope), SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)"),
        ]
    }

    /// Method, URI, query, headers, signed header list and payload hash, one per line.
    public static func canonicalRequest(_ request: Request, credential: Credential) -> String {
        var query = decodedQuery(request.rawQuery)
        if credential.presigned { query.removeAll { $0.0 == "X-Amz-Signature" } }
        let canonicalQuery = query.map { (encode($0.0), encode($0.1)) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        var headerLines = ""
        for name in credential.signedHeaders {
            let values = request.headers.filter { $0.name == name }.map { collapse($0.value) }
            headerLines += "\(name):\(values.joined(separator: ","))\n"
        }
        let payload: String
        // Presigned URLs hash the body too, except S3's (which declare UNSIGNED-PAYLOAD).
        if let declared = header(request.headers, "x-amz-content-sha256") ?? query.first(where: { $0.0 == "X-Amz-Content-Sha256" })?.1 {
            payload = declared
        } else {
            payload = hex(SHA256.hash(data: request.body))
        }
        return [
            request.method, canonicalURI(request.rawPath), canonicalQuery, headerLines, credential.signedHeaders.joined(separator: ";"), payload,
        ].joined(separator: "\n")
    }

    /// Dot segments removed, then every byte but unreserved ones and `/` percent-encoded again
    /// (so `%2F` on the wire signs as `%252F`), as every AWS SDK does for services other than S3.
    static func canonicalURI(_ rawPath: String) -> String {
        var segments: [Substring] = []
        for segment in rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(segment)
        }
        let path = "/" + segments.joined(separator: "/")
        return encode(path, keepSlash: true)
    }

    static let upperHexDigits = Array("0123456789ABCDEF".utf8)

    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), upperHexDigits[Int(byte >> 4)], upperHexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decodedQuery(_ raw: String) -> [(String, String)] {
        raw.split(separator: "&").filter { !$0.isEmpty }.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecode(parts[0]), parts.count == 2 ? percentDecode(parts[1]) : "")
        }
    }

    static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
               let low = utf8.index(index, offsetBy: 2, limitedBy: utf8.endIndex), low < utf8.endIndex,
               let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func header(_ headers: [(name: String, value: String)], _ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// Trims and collapses runs of spaces, as the canonical header form requires.
    static func collapse(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// `20260101T120000Z` → seconds since the epoch.
    public static func epochSeconds(amzDate: String) -> Int64? {
        let bytes = Array(amzDate.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8), let hour = number(9..<11),
              let minute = number(11..<13), let second = number(13..<15), (1...12).contains(month), (1...31).contains(day) else { return nil }
        return CivilTime.epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    public static func amzDate(_ seconds: Int64) -> String {
        CivilTime.amzDate(seconds)
    }
}

/// Signing keys by access key, day, region and service: they change once a day, so a verifier
/// derives each once. Shared by the event loops; only AWS_IAM routes touch its lock.
public final class SigningKeyCache: Sendable {
    /// swift-crypto's keys are immutable values it does not mark Sendable.
    private struct Key: @unchecked Sendable { let value: SymmetricKey }
    private let keys = Mutex<[String: Key]>([:])

    public init() {}

    func key(secretKey: String, credential: SigV4.Credential) -> SymmetricKey {
        let name = credential.accessKey + "/" + credential.scope
        if let known = keys.withLock({ $0[name] }) { return known.value }
        let derived = Key(value: SigV4.signingKey(secretKey: secretKey, credential: credential))
        keys.withLock { keys in
            if keys.count >= 1_000 { keys.removeAll() }
            keys[name] = derived
        }
        return derived.value
    }
}
