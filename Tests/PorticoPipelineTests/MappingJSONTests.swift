import PorticoModel
@testable import PorticoPipeline
import PorticoVelocity
import Testing

@Suite struct MappingJSONTests {
    func roundTrip(_ text: String) throws -> String {
        MappingJSON.serialize(try MappingJSON.parse(Array(text.utf8)))
    }

    @Test func keepsDocumentOrderAndWritesCompactly() throws {
        #expect(try roundTrip(#"{ "z": 1, "a": [true, false, null], "m": {"y": "x", "b": 2.50} }"#) == #"{"z":1,"a":[true,false,null],"m":{"y":"x","b":2.5}}"#)
        #expect(try roundTrip(#"{"a": 1, "b": 2, "a": 3}"#) == #"{"a":3,"b":2}"#, "a repeated key keeps its place and its last value")
        #expect(try roundTrip("[-12, 0, 1.0, 1e3, 12345678901234567890]") == "[-12,0,1.0,1000.0,1.2345678901234567E19]", "numbers as Java writes them")
        #expect(try roundTrip(#""tab\there \"q\" \\ \u00e9 \ud83d\ude00 \/""#) == "\"tab\\there \\\"q\\\" \\\\ é 😀 /\"")
        let wide = (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        #expect(try roundTrip("{\(wide)}") == "{" + (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}", "a map past the index threshold keeps order")
    }

    @Test func rejectsBrokenJSON() {
        for text in ["", "{", #"{"a" 1}"#, "[1,]", "01", #""\x""#, "tru", "[1] x", "\"a\u{01}\""] {
            #expect(throws: MappingJSON.ParseError.self, "\(text)") { try MappingJSON.parse(Array(text.utf8)) }
        }
    }

    @Test func templatesCompileTheirLiteralPaths() throws {
        let template = try Template("#set($a = $input.path('$.a'))$input.json(\"$.b[0]\") #foreach($x in $input.path('$.c[*]'))$x#end $input.json($dynamic)")
        #expect(template.literalArguments(ofMethods: ["json", "path"]) == ["$.a", "$.b[0]", "$.c[*]"])
        #expect(JSONPathCache(template).paths.count == 3)
    }
}
