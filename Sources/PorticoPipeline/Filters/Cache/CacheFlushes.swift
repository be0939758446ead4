import Synchronization

/// FlushStageCache across the event loops: a flush bumps one atomic generation and notes the
/// stage; each loop's shard compares the generation (a plain atomic load) on lookup and takes the
/// lock only after a flush happened.
public final class CacheFlushes: Sendable {
    private let generation = Atomic<Int>(0)
    private let flushed = Mutex<[String: Int]>([:])

    public init() {}

    public var current: Int { generation.load(ordering: .acquiring) }

    /// Empties the stage cache `identity` (`apiID/stage`) on every loop.
    public func flush(_ identity: String) {
        flushed.withLock { flushed in
            let next = generation.wrappingAdd(1, ordering: .releasing).newValue
            flushed[identity] = next
        }
    }

    /// Whether `identity` was flushed after generation `seen`.
    public func wasFlushed(_ identity: String, after seen: Int) -> Bool {
        flushed.withLock { ($0[identity] ?? 0) > seen }
    }
}
