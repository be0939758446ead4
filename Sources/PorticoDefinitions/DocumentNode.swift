import Foundation
import PorticoModel
import Yams

/// A parsed JSON or YAML document, every node carrying its source location, so readers can report
/// problems by file, line and JSON pointer. JSON is read by the YAML parser (JSON is YAML 1.2 flow).
public struct DocumentNode: Sendable {
    public indirect enum Value: Sendable {
        /// A scalar's text; `plain` is false for quoted scalars (`"8080"` stays a string).
        case scalar(String, plain: Bool)
        case mapping([(key: String, value: DocumentNode)])
        case sequence([DocumentNode])
    }

    public var value: Value
    public var location: SourceLocation

    public init(value: Value, location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// Parses `text`; a syntax error becomes a diagnostic with the line and column the parser gives.
    public static func parse(_ text: String, file: String) -> Result<DocumentNode, Diagnostic> {
        do {
            guard let root = try Yams.compose(yaml: text) else {
                return .failure(Diagnostic(.error, "the document is empty", at: SourceLocation(file: file)))
            }
            return .success(convert(root, file: file, pointer: ""))
        } catch let error as YamlError {
            return .failure(Self.diagnostic(for: error, file: file))
        } catch {
            return .failure(Diagnostic(.error, "cannot parse: \(error)", at: SourceLocation(file: file)))
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        // YamlError's description starts with "line:column: error: …"; keep the position structured.
        let text = "\(error)"
        let head = text.split(separator: ":", maxSplits: 2)
        if head.count == 3, let line = Int(head[0]), let column = Int(head[1]) {
            let message = head[2].split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? text
            return Diagnostic(.error, "syntax: \(message)", at: SourceLocation(file: file, line: line, column: column))
        }
        return Diagnostic(.error, "syntax: \(text)", at: SourceLocation(file: file))
    }

    private static func convert(_ node: Node, file: String, pointer: String) -> DocumentNode {
        let location = SourceLocation(file: file, line: node.mark?.line, column: node.mark?.column, pointer: pointer)
        switch node {
        case .scalar(let scalar):
            return DocumentNode(value: .scalar(scalar.string, plain: scalar.style == .plain), location: location)
        case .mapping(let mapping):
            var members: [(key: String, value: DocumentNode)] = []
            for (key, value) in mapping {
                let name = key.scalar?.string ?? "\(key)"
                members.append((name, convert(value, file: file, pointer: pointer + "/" + escapePointer(name))))
            }
            return DocumentNode(value: .mapping(members), location: location)
        case .sequence(let sequence):
            let items = sequence.enumerated().map { index, item in
                convert(item, file: file, pointer: pointer + "/\(index)")
            }
            return DocumentNode(value: .sequence(items), location: location)
        case .alias:
            return DocumentNode(value: .scalar("", plain: true), location: location)
        }
    }

    static func escapePointer(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

extension DocumentNode {
    public var isNull: Bool {
        if case .scalar(let text, let plain) = value { return plain && (text.isEmpty || text == "null" || text == "~") }
        return false
    }

    public var members: [(key: String, value: DocumentNode)]? {
        if case .mapping(let members) = value { return members }
        return nil
    }

    public var items: [DocumentNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var scalar: String? {
        if case .scalar(let text, _) = value, !isNull { return text }
        return nil
    }

    public subscript(key: String) -> DocumentNode? {
        members?.first { $0.key == key }?.value
    }

    /// The node as a `JSONValue`, for parts the model keeps without interpreting.
    public var json: JSONValue {
        switch value {
        case .scalar(let text, let plain):
            guard plain else { return .string(text) }
            if isNull { return .null }
            if text == "true" { return .bool(true) }
            if text == "false" { return .bool(false) }
            if let number = Double(text), text.first.map({ $0.isNumber || $0 == "-" }) == true { return .number(number) }
            return .string(text)
        case .mapping(let members):
            return .object(Dictionary(members.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        case .sequence(let items):
            return .array(items.map(\.json))
        }
    }
}

