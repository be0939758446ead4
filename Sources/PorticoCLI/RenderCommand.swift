import ArgumentParser
import Foundation
import PorticoPipeline
import PorticoVelocity

/// `portico render`: a mapping template rendered against a sample request, as API Gateway would
/// render it, or the precise error with line and column.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a mapping template (Velocity) against a sample request.",
        discussion: """
            $input reads the body and the parameters given here; $context holds a request's usual \
            values (override any with --context name=value, dotted for nesting: identity.sourceIp=1.2.3.4); \
            $stageVariables the --stage-variable values. Prints the output, or file:line:column: error.
            """
    )

    @Argument(help: "The template file ('-' reads standard input).")
    var template: String

    @Option(help: "A file whose content is the request body.")
    var body: String?

    @Option(help: "The request body itself.")
    var bodyText: String?

    @Option(help: "A path parameter, name=value (repeatable).")
    var path: [String] = []

    @Option(help: "A query string parameter, name=value (repeatable).")
    var query: [String] = []

    @Option(help: "A header, name=value (repeatable).")
    var header: [String] = []

    @Option(help: "A stage variable, name=value (repeatable).")
    var stageVariable: [String] = []

    @Option(help: "A $context value, name=value (repeatable; dotted names nest).")
    var context: [String] = []

    @Option(help: "Render this many more times and print the time per render (request variables built each time, as per request).")
    var benchmark: Int?

    func run() throws {
        let source: String
        if template == "-" {
            source = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let text = try? String(contentsOfFile: template, encoding: .utf8) else {
                FileHandle.standardError.write(Data("\(template): cannot read the file\n".utf8))
                throw ExitCode(1)
            }
            source = text
        }
        var bodyBytes: [UInt8] = Array((bodyText ?? "").utf8)
        if let body {
            guard let data = FileManager.default.contents(atPath: body) else {
                FileHandle.standardError.write(Data("\(body): cannot read the body file\n".utf8))
                throw ExitCode(1)
            }
            bodyBytes = Array(data)
        }
        let input = MappingInput(body: bodyBytes, pathParameters: Self.pairs(path), queryParameters: Self.pairs(query), headers: Self.pairs(header))
        let contextMap = Self.defaultContext()
        for (name, value) in Self.pairs(context) { Self.set(contextMap, path: name.split(separator: ".").map(String.init), value: value) }
        let stageVariables = Dictionary(Self.pairs(stageVariable), uniquingKeysWith: { _, last in last })
        do {
            let compiled = try Template(source)
            let paths = JSONPathCache(compiled)
            let output = try paths.render(compiled, Mapping.variables(input: input, context: contextMap, stageVariables: stageVariables))
            FileHandle.standardOutput.write(Data(output.utf8))
            if let benchmark, benchmark > 0 {
                let clock = ContinuousClock()
                var bytes = 0
                let start = clock.now
                for _ in 0..<benchmark {
                    bytes &+= try paths.render(compiled, Mapping.variables(input: input, context: contextMap, stageVariables: stageVariables)).utf8.count
                }
                let elapsed = clock.now - start
                let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
                let report = "\(benchmark) renders of \(bytes / benchmark) bytes from a \(bodyBytes.count)-byte body: \(String(format: "%.2f", micros / Double(benchmark))) µs per render\n"
                FileHandle.standardError.write(Data(report.utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("\(template):\(error.location.line):\(error.location.column): error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func pairs(_ items: [String]) -> [(name: String, value: String)] {
        items.map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count == 2 ? String(parts[1]) : "")
        }
    }

    static func set(_ map: VelocityMap, path: [String], value: String) {
        guard let first = path.first else { return }
        if path.count == 1 {
            map[first] = .string(value)
            return
        }
        let child: VelocityMap
        if case .map(let existing)? = map[first] { child = existing } else { child = VelocityMap(); map[first] = .map(child) }
        set(child, path: Array(path.dropFirst()), value: value)
    }

    /// What `$context` holds for a request API Gateway test-invokes.
    static func defaultContext() -> VelocityMap {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let identity = VelocityMap([
            ("sourceIp", .string("127.0.0.1")), ("userAgent", .string("portico-render")), ("accountId", .null), ("apiKey", .null),
            ("caller", .null), ("user", .null), ("userArn", .null),
        ])
        return VelocityMap([
            ("accountId", .string("123456789012")), ("apiId", .string("render")), ("stage", .string("test")),
            ("requestId", .string(UUID().uuidString.lowercased())), ("extendedRequestId", .string("render")),
            ("httpMethod", .string("POST")), ("resourcePath", .string("/")), ("resourceId", .string("render")),
            ("path", .string("/test/")), ("protocol", .string("HTTP/1.1")), ("domainName", .string("render.execute-api.localhost")),
            ("domainPrefix", .string("render")), ("requestTime", .string(CivilTime(epochSeconds: now / 1000).commonLogFormat)),
            ("requestTimeEpoch", .integer(Int(now))), ("identity", .map(identity)),
            ("authorizer", .map(VelocityMap())), ("error", .map(VelocityMap())),
            ("requestOverride", .map(VelocityMap([("header", .map(VelocityMap())), ("querystring", .map(VelocityMap())), ("path", .map(VelocityMap()))]))),
            ("responseOverride", .map(VelocityMap([("header", .map(VelocityMap()))]))),
        ])
    }
}
