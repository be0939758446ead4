#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where access log lines go: standard output or a file. Each event loop buffers its lines and
/// writes them in one `write(2)` when the buffer fills or its periodic flush runs.
final class AccessLogSink: Sendable {
    private let descriptor: Int32

    init(destination: String) throws {
        if destination == "stdout" || destination == "-" {
            descriptor = STDOUT_FILENO
        } else {
            let fd = open(destination, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw AccessLogError.cannotOpen(destination, errno) }
            descriptor = fd
        }
    }

    deinit {
        if descriptor != STDOUT_FILENO { close(descriptor) }
    }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    enum AccessLogError: Error, CustomStringConvertible {
        case cannotOpen(String, Int32)
        var description: String {
            switch self {
            case .cannotOpen(let path, let code): return "cannot open the access log \(path): errno \(code)"
            }
        }
    }
}

/// One loop's buffer of access log lines.
final class AccessLogBuffer {
    private var bytes: [UInt8] = []
    private let sink: AccessLogSink

    init(sink: AccessLogSink) {
        self.sink = sink
        bytes.reserveCapacity(64 * 1024)
    }

    func append(_ line: String) {
        bytes.append(contentsOf: line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 60 * 1024 { flush() }
    }

    func flush() {
        guard !bytes.isEmpty else { return }
        sink.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

#if canImport(Darwin)
private let systemWrite = Darwin.write
#elseif canImport(Musl)
private let systemWrite = Musl.write
#else
private let systemWrite = Glibc.write
#endif
