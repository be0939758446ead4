import PorticoModel
import PorticoVelocity
import Testing

@testable import PorticoPipeline

/// `$input`, `$util`, `$context` and JSONPath as API Gateway's mapping templates use them.
@Suite struct MappingTests {
    static let body = Array(#"{"pets": [{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99}], "owner": {"name": "Ada"}}"#.utf8)

    static func render(_ source: String, body: [UInt8] = MappingTests.body, query: [(name: String, value: String)] = []) throws -> String {
        let input = MappingInput(body: body, pathParameters: [("id", "7")], queryParameters: query, headers: [("X-Trace", "t1")])
        let context = VelocityMap([("stage", .string("prod")), ("identity", .map(VelocityMap([("sourceIp", .string("1.2.3.4"))])))])
        return try Template(source).render(Mapping.variables(input: input, context: context, stageVariables: ["color": "blue"]))
    }

    @Test(arguments: [
        ("$input.json('$.owner')", #"{"name":"Ada"}"#),
        ("$input.json('$.pets[1].type')", #""cat""#),
        ("$input.json('$.pets[*].id')", "[1,2]"),
        ("$input.json('$..name')", #"["Ada"]"#),
        ("$input.json('$.pets[?(@.price > 200)].type')", #"["dog"]"#),
        ("$input.json('$.pets[-1].id')", "2"),
        ("$input.json('$.pets[0:1]')", #"[{"id":1,"type":"dog","price":249.99}]"#),  // members in document order, as AWS writes them
        ("$input.json(\"$['owner']['name']\")", #""Ada""#),
        ("$input.json('$.missing')", ""),
        ("$input.path('$.owner').name", "Ada"),
        ("$input.path('$.pets').size()", "2"),
        ("#foreach($p in $input.path('$.pets'))$p.id#end", "12"),
        ("$input.params('id') $input.params('q') $input.params('x-trace') [$input.params('none')]", "7 last t1 []"),
        ("$input.params().path.id $input.params().header.get('X-Trace')", "7 t1"),
        ("$util.escapeJavaScript(\"it's\")", "it\\'s"),
        ("$util.urlEncode('a b/c') $util.urlDecode('a+b%2Fc')", "a+b%2Fc a b/c"),
        ("$util.base64Encode('hi') $util.base64Decode('aGk=')", "aGk= hi"),
        ("#set($o = $util.parseJson('{\"a\": [1, 2]}'))$o.a.get(1)", "2"),
        ("$context.stage $context.identity.sourceIp $stageVariables.color", "prod 1.2.3.4 blue"),
        ("$input.body.length()", "122"),
    ])
    func bindings(_ source: String, _ expected: String) throws {
        #expect(try Self.render(source, query: [("q", "first"), ("q", "last")]) == expected)
    }

    @Test func nonJSONBodyLeavesPathsEmpty() throws {
        #expect(try Self.render("[$input.json('$.a')][$input.path('$.a')][$input.body]", body: Array("not json".utf8)) == "[][][not json]")
        #expect(try Self.render("$input.json('$')", body: []) == "{}")
    }

    @Test func badJSONPathIsATemplateErrorWithItsPlace() {
        #expect(throws: Template.Error.self) { _ = try Self.render("line\n  $input.json('pets')") }
        do {
            _ = try Self.render("line\n  $input.json('pets')")
        } catch let error as Template.Error {
            #expect(error.location == Template.Location(line: 2, column: 3))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func escapeJavaScriptMatchesCommonsLang() {
        #expect(UtilObject.escapeJavaScript("a\"b'c\\d/e\nf\tg é") == "a\\\"b\\'c\\\\d\\/e\\nf\\tg \\u00E9")
    }
}
