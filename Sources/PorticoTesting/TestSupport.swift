import Foundation

/// Runs a program to completion; returns its exit status and what it printed (standard error too
/// when `includeErrors`).
public func runProgram(_ path: String, _ arguments: [String], includeErrors: Bool = true) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = includeErrors ? pipe : FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The same, awaited: the program runs on a Dispatch thread. Swift concurrency has one thread per
/// core, so a test that waited for a long script on one of them would stall every other test's
/// tasks on a 2-core machine.
public func runProgram(_ path: String, _ arguments: [String], includeErrors: Bool = true) async throws -> (status: Int32, output: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runProgram(path, arguments, includeErrors: includeErrors) })
        }
    }
}

/// An OpenAPI document with one MOCK route, `GET /{path}`, answering 200 with `body`.
public func mockAPIDocument(path: String = "hello", body: String) -> String {
    """
    openapi: 3.0.1
    info: {title: mock, version: "1"}
    paths:
      /\(path):
        get:
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates: {application/json: '{"statusCode": 200}'}
            responses: {default: {statusCode: "200", responseTemplates: {application/json: '\(body)'}}}
    """
}

/// A loopback port that was free a moment ago (the kernel picks it; the socket is closed again).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
