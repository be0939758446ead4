import NIOConcurrencyHelpers
import NIOCore
import PorticoPipeline

/// Open WebSocket connections by id, shared by the event loops: `@connections` calls find a
/// connection here and run on its loop. Touched on connect, disconnect and `@connections` calls,
/// never per message.
final class WebSocketRegistry: Sendable {
    struct Entry: Sendable {
        let session: WebSocketSession
        let loop: EventLoop
        let apiID: String
        let stage: String
        let connectedAtMillis: Int64
        let sourceIP: String
        let userAgent: String?
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    func add(_ id: String, _ entry: Entry) {
        entries.withLockedValue { $0[id] = entry }
    }

    func remove(_ id: String) {
        entries.withLockedValue { $0[id] = nil }
    }

    func entry(_ id: String) -> Entry? { entries.withLockedValue { $0[id] } }
}

/// A connection id shaped like AWS's (`L0SM9cOFvHcCIhw=`): ten random bytes, base64.
enum ConnectionID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64.encode((0..<10).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
