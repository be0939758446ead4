import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client over a plain socket, byte-exact, for tests: it can send malformed
/// requests, pipeline several, and read responses with Content-Length or chunked bodies.
public final class RawHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public func headers(_ name: String) -> [String] {
            headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        }
    }

    public enum ClientError: Error {
        case connect(Int32)
        case closed
        case malformed(String)
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var result: Int32
        repeat {
            result = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            close(fd)
            throw ClientError.connect(errno)
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }  // other tests' child processes send SIGCHLD
            guard written > 0 else { throw ClientError.closed }
            offset += written
        }
    }

    /// A simple request: `GET /path` with a Host header and optional extra headers and body.
    public func request(
        _ method: String, _ target: String, host: String = "localhost", headers: [(String, String)] = [], body: String? = nil
    ) throws -> Response {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try send(text)
        return try readResponse(forHEAD: method == "HEAD")
    }

    /// Whether the server closed the connection (reads EOF within the timeout).
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        var result: Int
        repeat { result = recv(fd, &byte, 1, 0) } while result < 0 && errno == EINTR
        return result == 0
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var count = 0
        repeat {
            count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        } while count < 0 && errno == EINTR  // other tests' child processes send SIGCHLD
        guard count > 0 else { throw ClientError.closed }
        buffer.append(contentsOf: chunk[0..<count])
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<index])
                buffer.removeFirst(index + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            try fill()
        }
    }

    private func readBytes(_ count: Int, discard: Bool = false) throws -> [UInt8] {
        var result: [UInt8] = []
        var remaining = count
        while remaining > 0 {
            if buffer.isEmpty { try fill() }
            let take = min(remaining, buffer.count)
            if !discard { result.append(contentsOf: buffer[..<take]) }
            buffer.removeFirst(take)
            remaining -= take
        }
        return result
    }

    /// Reads one line (without CRLF), e.g. an interim `HTTP/1.1 100 Continue` status line.
    public func readRawLine() throws -> String {
        try readLine()
    }

    /// Reads one response; informational (1xx) responses are skipped.
    public func readResponse(forHEAD: Bool = false) throws -> Response {
        while true {
            let statusLine = try readLine()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let status = Int(parts[1]) else { throw ClientError.malformed(statusLine) }
            var headers: [(String, String)] = []
            while true {
                let line = try readLine()
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else { throw ClientError.malformed(line) }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            if status < 200 { continue }
            var response = Response(status: status, headers: headers, body: [])
            if forHEAD || status == 204 || status == 304 { return response }
            if let length = response.header("content-length").flatMap(Int.init) {
                response.body = try readBytes(length)
            } else if response.header("transfer-encoding")?.lowercased() == "chunked" {
                while true {
                    let sizeLine = try readLine()
                    guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else { throw ClientError.malformed(sizeLine) }
                    if size == 0 {
                        while try !readLine().isEmpty {}
                        break
                    }
                    response.body += try readBytes(size)
                    _ = try readLine()
                }
            } else {
                while let _ = try? fill() {}
                response.body = buffer
                buffer.removeAll()
            }
            return response
        }
    }

    /// Reads a chunked or sized body without keeping it, returning its length (for large downloads).
    public func readResponseCountingBody() throws -> (status: Int, bytes: Int) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw ClientError.malformed(statusLine) }
        var length: Int?
        var chunked = false
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") { length = Int(lower.dropFirst(15).trimmingCharacters(in: .whitespaces)) }
            if lower.hasPrefix("transfer-encoding:") && lower.contains("chunked") { chunked = true }
        }
        if let length {
            _ = try readBytes(length, discard: true)
            return (status, length)
        }
        guard chunked else { return (status, 0) }
        var total = 0
        while true {
            let sizeLine = try readLine()
            guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else { throw ClientError.malformed(sizeLine) }
            if size == 0 {
                while try !readLine().isEmpty {}
                return (status, total)
            }
            _ = try readBytes(size, discard: true)
            total += size
            _ = try readLine()
        }
    }
}
