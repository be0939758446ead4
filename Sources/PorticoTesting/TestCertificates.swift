import Crypto
import Foundation
import SwiftASN1
import X509

/// A test certificate authority: real keys and X.509 certificates (server, client, expired,
/// wrong-purpose) written as PEM files, for the TLS and mutual-TLS tests.
public struct TestCertificateAuthority {
    public let name: String
    let key: P256.Signing.PrivateKey
    public let certificate: Certificate

    public init(name: String) throws {
        self.name = name
        key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name); OrganizationName("Portico Tests") }
        certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400 * 30),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
    }

    public var pem: String { (try? certificate.serializeAsPEM().pemString) ?? "" }

    public enum Purpose { case client, server }

    /// A leaf certificate for `commonName` (a DNS name too, for servers), with its key, as PEM.
    public func issue(
        _ commonName: String, purpose: Purpose, validFrom: Date = Date().addingTimeInterval(-3600), until: Date = Date().addingTimeInterval(86_400)
    ) throws -> (certificate: String, key: String) {
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leafKey.publicKey),
            notValidBefore: validFrom, notValidAfter: until, issuer: certificate.subject,
            subject: try DistinguishedName { CommonName(commonName); OrganizationName("Portico Tests") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([purpose == .client ? .clientAuth : .serverAuth])
                if purpose == .server { SubjectAlternativeNames([.dnsName(commonName)]) }
            },
            issuerPrivateKey: .init(key))
        return (try leaf.serializeAsPEM().pemString, leafKey.pemRepresentation)
    }
}
