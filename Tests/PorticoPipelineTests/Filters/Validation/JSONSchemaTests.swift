import PorticoModel
@testable import PorticoPipeline
import Testing

@Suite struct JSONSchemaTests {
    func errors(_ schema: String, _ instance: String, models: [String: String] = [:]) throws -> [String] {
        let compiled = try JSONSchema(try JSONValue.parse(schema), models: try models.mapValues { try JSONValue.parse($0) })
        return compiled.validate(try JSONValue.parse(instance))
    }

    @Test func typesAndNumbers() throws {
        #expect(try errors(#"{"type": "integer"}"#, "3").isEmpty)
        #expect(try errors(#"{"type": "number"}"#, "3").isEmpty, "an integer is a number")
        #expect(try errors(#"{"type": "integer"}"#, "3.5") == [#"instance type (number) does not match any allowed primitive type (allowed: ["integer"])"#])
        #expect(try errors(#"{"type": ["string", "null"]}"#, "null").isEmpty)
        #expect(try errors(#"{"minimum": 1, "exclusiveMinimum": true}"#, "1").count == 1)
        #expect(try errors(#"{"maximum": 10}"#, "10").isEmpty)
        #expect(try errors(#"{"multipleOf": 0.5}"#, "2.5").isEmpty)
        #expect(try errors(#"{"multipleOf": 2}"#, "3").count == 1)
    }

    @Test func stringsArraysAndEnums() throws {
        #expect(try errors(#"{"minLength": 2, "maxLength": 3}"#, #""ab""#).isEmpty)
        #expect(try errors(#"{"minLength": 2}"#, #""é""#).count == 1, "length counts characters")
        #expect(try errors(#"{"pattern": "^[a-z]+$"}"#, #""abc""#).isEmpty)
        #expect(try errors(#"{"pattern": "^[a-z]+$"}"#, #""abc1""#).count == 1)
        #expect(try errors(#"{"pattern": "b"}"#, #""abc""#).isEmpty, "patterns are not anchored (ECMA 262)")
        #expect(try errors(#"{"enum": ["a", 1]}"#, "1").isEmpty)
        #expect(try errors(#"{"enum": ["a", 1]}"#, #""b""#).count == 1)
        #expect(try errors(#"{"items": {"type": "string"}, "minItems": 1, "uniqueItems": true}"#, #"["a", "b"]"#).isEmpty)
        #expect(try errors(#"{"items": {"type": "string"}}"#, #"["a", 2]"#) == [#"instance type (integer) does not match any allowed primitive type (allowed: ["string"]) (at /1)"#])
        #expect(try errors(#"{"uniqueItems": true}"#, "[1, 1]").count == 1)
        #expect(try errors(#"{"maxItems": 1}"#, "[1, 2]").count == 1)
    }

    @Test func objectsAndReferences() throws {
        let pet = ##"{"type": "object", "required": ["name", "id"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "tag": {"$ref": "#/definitions/Tag"}}, "additionalProperties": false}"##
        let models = ["Tag": #"{"type": "string", "enum": ["cat", "dog"]}"#]
        #expect(try errors(pet, #"{"name": "Rex", "id": 1, "tag": "dog"}"#, models: models).isEmpty)
        #expect(try errors(pet, #"{"id": 1}"#, models: models) == [#"object has missing required properties (["name"])"#])
        #expect(try errors(pet, #"{"name": "Rex", "id": 1, "tag": "cow"}"#, models: models).first?.hasSuffix("(at /tag)") == true)
        #expect(try errors(pet, #"{"name": "Rex", "id": 1, "owner": "x"}"#, models: models) == [#"object instance has properties which are not allowed by the schema: ["owner"]"#])
        // Models named by their API Gateway URL, as CreateModel schemas reference each other.
        let byURL = #"{"$ref": "https://apigateway.amazonaws.com/restapis/abc123/models/Tag"}"#
        #expect(try errors(byURL, #""cat""#, models: models).isEmpty)
        #expect(try errors(byURL, #""cow""#, models: models).count == 1)
        #expect(try errors(#"{"minProperties": 1}"#, "{}").count == 1)
        #expect(try errors(#"{"additionalProperties": {"type": "integer"}}"#, #"{"a": 1, "b": "x"}"#).count == 1)
    }

    @Test func combinators() throws {
        let either = #"{"anyOf": [{"type": "string"}, {"type": "integer"}]}"#
        #expect(try errors(either, "1").isEmpty)
        #expect(try errors(either, "true").count == 1)
        let exactlyOne = #"{"oneOf": [{"type": "integer"}, {"minimum": 0}]}"#
        #expect(try errors(exactlyOne, "-1").isEmpty)
        #expect(try errors(exactlyOne, "1").count == 1, "matching both fails oneOf")
        #expect(try errors(#"{"allOf": [{"type": "integer"}, {"minimum": 2}]}"#, "1").count == 1)
        #expect(try errors(#"{"not": {"type": "null"}}"#, "null").count == 1)
    }

    @Test func badPatternsFailToCompile() throws {
        #expect(throws: JSONSchema.CompileError.self) { try JSONSchema(try JSONValue.parse(#"{"pattern": "(unclosed"}"#)) }
    }
}
