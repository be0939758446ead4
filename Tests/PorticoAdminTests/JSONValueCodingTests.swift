import PorticoModel
import Testing

@Suite struct JSONValueCodingTests {
    @Test func roundTripsAWSShapes() throws {
        let text = #"{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"d\"e\\f\n\u00e9\ud83d\ude00"},"n":1700000000}"#
        let value = try JSONValue.parse(text)
        #expect(value["n"] == .number(1_700_000_000))
        #expect(value["b"]?["c"] == .string("d\"e\\f\né😀"))
        #expect(try JSONValue.parse(value.serialized) == value)
        #expect(JSONValue.number(3).serialized == "3")
        #expect(JSONValue.number(0.5).serialized == "0.5")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "01x", "\"\u{01}\"", "{} {}", "[1 2]"])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }
}
