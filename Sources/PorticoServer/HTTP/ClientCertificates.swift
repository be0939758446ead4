import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import PorticoPipeline
import X509

/// The client certificate of a mutual-TLS connection, read once when its handshake completes (before
/// any request on it) and shared by the connection's exchanges and HTTP/2 streams.
final class PeerCertificateBox: @unchecked Sendable {
    /// Written on the connection's event loop at the handshake, read there afterwards.
    var certificate: ClientCertificate?
}

/// Reads the verified peer certificate from the TLS handler when the handshake completes.
final class ClientCertificateReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let box: PeerCertificateBox

    init(box: PeerCertificateBox) { self.box = box }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event,
           let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
           let peer = tls.peerCertificate {
            box.certificate = Self.describe(peer)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Subject and issuer names, serial number and validity, as API Gateway passes them on.
    static func describe(_ certificate: NIOSSLCertificate) -> ClientCertificate? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return ClientCertificate(
            pem: "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----",
            subjectDN: parsed.subject.description, issuerDN: parsed.issuer.description, serialNumber: parsed.serialNumber.description,
            notBefore: CivilTime(epochSeconds: Int64(parsed.notValidBefore.timeIntervalSince1970)).certificateTime,
            notAfter: CivilTime(epochSeconds: Int64(parsed.notValidAfter.timeIntervalSince1970)).certificateTime)
    }
}
