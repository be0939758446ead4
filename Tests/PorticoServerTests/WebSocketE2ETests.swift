import Foundation
import PorticoTesting
import Testing

/// WebSocket APIs with a real client (the `websockets` package) and boto3's
/// `apigatewaymanagementapi`, against the real binary: Tests/e2e/websocket_e2e.py.
@Suite(.serialized) struct WebSocketE2ETests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("e2e/websocket_e2e.py").path

    @Test(.enabled(if: CLITests.binary != nil), .timeLimit(.minutes(3)))
    func aRealClientThroughTheWholeLifeOfConnections() async throws {
        if try await runProgram("/usr/bin/env", ["python3", "-c", "import websockets, boto3, awslambdaric"]).status != 0 {
            let install = try await runProgram("/usr/bin/env", ["python3", "-m", "pip", "install", "--quiet", "websockets", "boto3", "awslambdaric"])
            try #require(install.status == 0, "pip install failed: \(install.output)")
        }
        let (status, output) = try await runProgram("/usr/bin/env", ["python3", Self.script, CLITests.binary!])
        #expect(status == 0, "\(output)")
        #expect(output.contains("7 passed, 0 failed"), "\(output)")
    }
}
