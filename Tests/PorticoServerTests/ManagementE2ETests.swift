import Foundation
import PorticoTesting
import Testing

/// The management API driven by the real AWS tools (boto3 and the AWS CLI, unmodified, with
/// --endpoint-url) against the real binary: Tests/e2e/management_e2e.py. Needs python3; boto3 and
/// awscli are installed with pip when missing (`.ci/run` installs them too).
@Suite(.serialized) struct ManagementE2ETests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("e2e/management_e2e.py").path

    @Test(.enabled(if: CLITests.binary != nil), .timeLimit(.minutes(5)))
    func awsCLIAndBoto3DriveTheManagementAPI() async throws {
        if try await runProgram("/usr/bin/env", ["python3", "-c", "import boto3, awscli"]).status != 0 {
            let install = try await runProgram("/usr/bin/env", ["python3", "-m", "pip", "install", "--quiet", "boto3", "awscli"])
            try #require(install.status == 0, "pip install boto3 awscli failed: \(install.output)")
        }
        let (status, output) = try await runProgram("/usr/bin/env", ["python3", Self.script, CLITests.binary!])
        #expect(status == 0, "\(output)")
        #expect(output.contains("12 passed, 0 failed"), "\(output)")
    }
}
