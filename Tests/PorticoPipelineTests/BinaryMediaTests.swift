import NIOCore
import PorticoModel
@testable import PorticoPipeline
import Testing

/// AWS's content type conversion tables ("Content type conversions in API Gateway").
@Suite struct BinaryMediaTests {
    let media = BinaryMediaTypes(["image/*", "application/octet-stream"])
    let bytes: [UInt8] = [0xFF, 0x00, 0x41]
    var base64: [UInt8] { Array(Base64.encode(bytes).utf8) }

    @Test func matching() {
        #expect(media.matches("image/png"))
        #expect(media.matches("Application/Octet-Stream; charset=binary"))
        #expect(!media.matches("text/plain"))
        #expect(!media.matches(nil))
        #expect(media.acceptsBinary("image/webp,text/html"))
        #expect(!media.acceptsBinary("text/html,image/webp"), "only the first Accept type counts")
        #expect(!media.acceptsBinary(nil))
        #expect(BinaryMediaTypes(["*/*"]).matches("text/plain"))
        #expect(!BinaryMediaTypes([]).matches("image/png"))
    }

    @Test func requests() {
        // Unset passes everything through.
        #expect(media.convertRequest(bytes, contentType: "image/png", handling: nil) == bytes)
        // CONVERT_TO_TEXT: binary becomes base64, text stays.
        #expect(media.convertRequest(bytes, contentType: "image/png", handling: .convertToText) == base64)
        #expect(media.convertRequest(Array("hi".utf8), contentType: "text/plain", handling: .convertToText) == Array("hi".utf8))
        // CONVERT_TO_BINARY: text is base64-decoded, binary stays; text that is not base64 fails.
        #expect(media.convertRequest(base64, contentType: "text/plain", handling: .convertToBinary) == bytes)
        #expect(media.convertRequest(bytes, contentType: "image/png", handling: .convertToBinary) == bytes)
        #expect(media.convertRequest(Array("not base64!".utf8), contentType: "text/plain", handling: .convertToBinary) == nil)
        #expect(media.convertsRequest(contentType: "image/png", handling: .convertToText))
        #expect(!media.convertsRequest(contentType: "text/plain", handling: .convertToText))
        #expect(media.convertsRequest(contentType: "text/plain", handling: .convertToBinary))
        #expect(!media.convertsRequest(contentType: "image/png", handling: nil))
    }

    @Test func responses() {
        // Unset: the integration's type and the client's Accept decide.
        #expect(media.convertResponse(bytes, contentType: "image/png", accept: "image/png", handling: nil) == bytes)
        #expect(media.convertResponse(bytes, contentType: "image/png", accept: "application/json", handling: nil) == base64)
        #expect(media.convertResponse(base64, contentType: "text/plain", accept: "image/png", handling: nil) == bytes)
        #expect(media.convertResponse(Array("hi".utf8), contentType: "text/plain", accept: "text/plain", handling: nil) == Array("hi".utf8))
        // Explicit conversions ignore Accept.
        #expect(media.convertResponse(bytes, contentType: "image/png", accept: "image/png", handling: .convertToText) == base64)
        #expect(media.convertResponse(base64, contentType: "text/plain", accept: "text/plain", handling: .convertToBinary) == bytes)
        #expect(media.convertResponse(Array("{}".utf8), contentType: "application/json", accept: "image/png", handling: nil) == nil, "text that is not base64 cannot become binary")
        // Without binary media types nothing changes unless asked.
        let none = BinaryMediaTypes([])
        #expect(none.convertResponse(bytes, contentType: "image/png", accept: "image/png", handling: nil) == bytes)
    }

    @Test func integrationResponsesMapHeadersFromTheBody() throws {
        let yaml = singleRouteAPI(integration: """
            {type: http, httpMethod: GET, uri: "http://127.0.0.1:9/x", responses: {default: {statusCode: "200", responseParameters: {method.response.header.X-Id: integration.response.body.item.id, method.response.header.X-Tags: integration.response.body.tags, method.response.header.X-None: integration.response.body.missing}}}}
            """)
        let gateway = try compileAPI(yaml)
        guard case .forward(let plan, _) = decide(gateway, .GET, "/prod/a").0 else { Issue.record("expected a forward"); return }
        #expect(plan.mapsResponses, "a header read from the body buffers the response")
        let entry = try #require(plan.responses?.select("200"))
        let body = Array(#"{"item": {"id": "i-7"}, "tags": ["a", "b"]}"#.utf8)
        let response = try entry.respond(
            integrationBody: body, integrationFields: [("Content-Type", "application/json")], accept: nil,
            binaryMedia: plan.binaryMedia, mapping: nil).get()
        #expect(response.headers.first { $0.0 == "X-Id" }?.1 == "i-7")
        #expect(response.headers.first { $0.0 == "X-Tags" }?.1 == #"["a","b"]"#)
        #expect(!response.headers.contains { $0.0 == "X-None" })
        #expect(Array(response.body.readableBytesView) == body)
        #expect(response.contentType == "application/json")
    }
}
