import Foundation
import PorticoTesting
import Testing

/// Functions run by the real binary with the official Python runtime client (awslambdaric), each
/// event checked with aws-lambda-powertools' models: Tests/e2e/functions_e2e.py. The Python
/// packages are installed with pip when missing (`.ci/run` installs them too).
@Suite(.serialized) struct FunctionsE2ETests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("e2e/functions_e2e.py").path

    @Test(.enabled(if: CLITests.binary != nil), .timeLimit(.minutes(5)))
    func pythonFunctionsThroughTheRuntimeAPI() async throws {
        if try await runProgram("/usr/bin/env", ["python3", "-c", "import awslambdaric, aws_lambda_powertools, pydantic, boto3"]).status != 0 {
            let install = try await runProgram("/usr/bin/env", ["python3", "-m", "pip", "install", "--quiet", "awslambdaric", "aws-lambda-powertools", "pydantic", "boto3"])
            try #require(install.status == 0, "pip install failed: \(install.output)")
        }
        let (status, output) = try await runProgram("/usr/bin/env", ["python3", Self.script, CLITests.binary!])
        #expect(status == 0, "\(output)")
        #expect(output.contains("9 passed, 0 failed"), "\(output)")
    }
}
