import PorticoModel

/// A method's request validator, compiled: the parameters that must be present and the body's
/// schema. Path parameters are always present once the route matched, so they are not listed.
public struct CompiledValidator: Sendable {
    public struct RequiredParameter: Sendable {
        public var location: Parameter.Location
        public var name: String
    }

    public var requiredParameters: [RequiredParameter]
    public var bodySchema: JSONSchema?

    public init(requiredParameters: [RequiredParameter], bodySchema: JSONSchema?) {
        self.requiredParameters = requiredParameters
        self.bodySchema = bodySchema
    }

    /// The validator for `operation`, nil when it checks nothing; a schema that does not compile
    /// is reported and leaves the body unchecked.
    static func compile(_ operation: APIOperation, models: [String: JSONValue], report: (Diagnostic) -> Void) -> CompiledValidator? {
        guard let validation = operation.validation else { return nil }
        var required: [RequiredParameter] = []
        if validation.validateParameters {
            required = operation.parameters
                .filter { $0.required && ($0.location == .query || $0.location == .header) }
                .map { RequiredParameter(location: $0.location, name: $0.name) }
        }
        var schema: JSONSchema?
        if validation.validateBody, let body = validation.bodySchema {
            do {
                schema = try JSONSchema(body, models: models)
            } catch {
                report(Diagnostic(.error, "the request model of \(operation.method) \(operation.path) cannot be used: \(error.description)", at: operation.location))
            }
        }
        if required.isEmpty && schema == nil { return nil }
        return CompiledValidator(requiredParameters: required, bodySchema: schema)
    }
}
