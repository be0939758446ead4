import Dispatch
import Foundation

/// Turns SIGHUP, SIGTERM and SIGINT into events the serve loop can await.
final class SignalWatcher: @unchecked Sendable {
    enum Event: Sendable {
        case reload
        case stop(String)
    }

    private let queue = DispatchQueue(label: "portico.signals")
    private var sources: [DispatchSourceSignal] = []
    private var pending: [Event] = []
    private let lock = NSLock()

    init() {
        for (number, event) in [(SIGHUP, Event.reload), (SIGTERM, .stop("SIGTERM")), (SIGINT, .stop("SIGINT"))] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.withLock { self.pending.append(event) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The next signal, or nil after `timeout` seconds without one.
    func next(timeout: Double) async -> Event? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let event = lock.withLock({ pending.isEmpty ? nil : pending.removeFirst() }) { return event }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return nil
    }
}
