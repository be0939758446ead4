/// Where a value came from: a file, a 1-based line and column (when the format has them) and a
/// JSON pointer, so every diagnostic can point at the exact place.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// RFC 6901 pointer into the document, e.g. `/paths/~1pets/get`.
    public var pointer: String

    public init(file: String, line: Int? = nil, column: Int? = nil, pointer: String = "") {
        self.file = file
        self.line = line
        self.column = column
        self.pointer = pointer
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        return text + " (#\(pointer.isEmpty ? "/" : pointer))"
    }
}

/// A problem found while reading or compiling a definition.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        /// The definition cannot be served.
        case error
        /// The definition uses something Portico keeps in the model but does not enforce yet.
        case unsupported
        /// Servable, but probably not what the author meant.
        case warning
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation

    public init(_ severity: Severity, _ message: String, at location: SourceLocation) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
