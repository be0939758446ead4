import Foundation
import PorticoModel
@testable import PorticoPipeline
import PorticoVelocity
import Testing

/// Mapping templates against vendored golden files (Tests/Fixtures/templates/*.golden): each file
/// is a template, a request and the output AWS documents (or the error a template must raise).
/// The format is in Tests/Fixtures/templates/README.md.
@Suite struct GoldenTemplateTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/templates").path

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".golden") }.sorted()
    }

    /// `### name` lines start sections; each section is the text up to the next one, without the
    /// newline that ends it.
    static func sections(_ text: String) -> [String: String] {
        var sections: [String: String] = [:]
        var current: String?
        var lines: [Substring] = []
        func close() { if let current { sections[current] = lines.joined(separator: "\n") } }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### "), !line.dropFirst(4).contains(" ") {
                close()
                current = String(line.dropFirst(4))
                lines = []
            } else {
                lines.append(line)
            }
        }
        if lines.last == "" { lines.removeLast() }
        close()
        return sections
    }

    static func pairs(_ value: JSONValue?) -> [(name: String, value: String)] {
        (value?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value.stringValue ?? $0.value.serialized) }
    }

    @Test(arguments: names)
    func golden(_ name: String) throws {
        let text = try String(contentsOfFile: Self.directory + "/" + name, encoding: .utf8)
        let parts = Self.sections(text)
        let template = try #require(parts["template"], "\(name) has no ### template")
        let request = try parts["request"].map { try JSONValue.parse($0) } ?? .object([:])
        let body = parts["body"] ?? request["body"]?.stringValue ?? ""
        let input = MappingInput(
            body: Array(body.utf8), pathParameters: Self.pairs(request["path"]),
            queryParameters: Self.pairs(request["querystring"]), headers: Self.pairs(request["header"]))
        guard case .map(let context) = Mapping.velocity(request["context"] ?? .object([:])) else { throw TestFailure("context") }
        let stageVariables = Dictionary(uniqueKeysWithValues: Self.pairs(request["stageVariables"]).map { ($0.name, $0.value) })
        let variables = Mapping.variables(input: input, context: context, stageVariables: stageVariables)
        do {
            let output = try Template(template).render(variables)
            if let expected = parts["expected"] {
                #expect(output == expected, "\(name)")
            } else {
                Issue.record("\(name): expected an error (\(parts["error"] ?? "")), got \(output)")
            }
        } catch {
            let expected = try #require(parts["error"], "\(name): \(error.location.line):\(error.location.column): \(error.message)")
            #expect("\(error.location.line):\(error.location.column): \(error.message)".contains(expected), "\(name)")
        }
    }
}
