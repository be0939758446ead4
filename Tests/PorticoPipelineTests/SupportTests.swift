import PorticoModel
import Testing

@testable import PorticoPipeline

@Suite struct SupportTests {
    @Test(arguments: [
        (Int64(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
        (Int64(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT"),
        (Int64(1_795_308_577), "Sun, 22 Nov 2026 00:49:37 GMT"),
    ])
    func httpDates(seconds: Int64, expected: String) {
        #expect(CivilTime(epochSeconds: seconds).httpDate == expected)
    }

    @Test func commonLogFormat() {
        #expect(CivilTime(epochSeconds: 1_795_308_577).commonLogFormat == "22/Nov/2026:00:49:37 +0000")
    }

    @Test func requestIDsLookLikeAWSs() {
        var generator = RequestIDGenerator()
        let id = generator.make()
        let uuid = id.uuid
        #expect(uuid.count == 36)
        #expect(Array(uuid)[14] == "4")
        #expect("89ab".contains(Array(uuid)[19]))
        #expect(uuid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        let short = id.shortID
        #expect(short.count == 16 && short.hasSuffix("="))
        #expect(generator.make().uuid != uuid)
    }

    /// The UUID's digits are written eight at a time: every nibble value lands where it belongs.
    @Test(arguments: [
        (UInt64(0x0123_4567_89AB_CDEF), UInt64(0xFEDC_BA98_7654_3210), "01234567-89ab-cdef-fedc-ba9876543210"),
        (UInt64.max, UInt64(0), "ffffffff-ffff-ffff-0000-000000000000"),
        (UInt64(0x9A0F_5B1E_C3D2_4F86), UInt64(0x0A1B_2C3D_4E5F_6978), "9a0f5b1e-c3d2-4f86-0a1b-2c3d4e5f6978"),
    ])
    func uuidDigits(high: UInt64, low: UInt64, expected: String) {
        #expect(RequestID(high: high, low: low, short: 0, shortExtra: 0).uuid == expected)
    }

    @Test func shortIDDigits() {
        // Six bits per character, lowest first; characters 11–15 come from the second word.
        #expect(RequestID(high: 0, low: 0, short: 63 | (62 << 6) | (26 << 12), shortExtra: 1).shortID == "/+aAAAAAAABAAAA=")
    }

    @Test func percentEncoding() {
        #expect(PercentEncoding.decode("a%20b+c", plusAsSpace: true) == "a b c")
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(PercentEncoding.isValid("/a%2Fb"))
        #expect(!PercentEncoding.isValid("/a%2"))
        #expect(PercentEncoding.encode("a b/ü") == "a%20b%2F%C3%BC")
        #expect(QueryString.first("b", in: "a=1&b=x%20y&b=2") == "x y")
        #expect(QueryString.first("c", in: "a=1") == nil)
    }

    @Test func accessLogFormats() throws {
        let gateway = try compileAPI(singleRouteAPI(path: "/pets/{id}", integration: proxy("http://127.0.0.1:9/x")), id: "abc")
        let (_, routed) = decide(gateway, .GET, "/prod/pets/1")
        #expect(routed.apiID == "abc" && routed.stage == "prod" && routed.routeKey == "GET /pets/{id}")
        let entry = AccessLogEntry(
            requestID: "r-1", extendedRequestID: "e=", sourceIP: "127.0.0.1", requestTimeEpochMillis: 1_795_308_577_000,
            httpMethod: "GET", path: "/prod/pets/1", protocolName: "HTTP/1.1", routed: routed, status: 200,
            responseLength: 12, integrationLatencyMillis: 3, responseLatencyMillis: 4, errorMessage: "", userAgent: "ua\"x")
        let custom = AccessLogFormat("$context.requestId $context.httpMethod $context.resourcePath $context.status $context.requestTime $context.nope")
        #expect(custom.format(entry) == "r-1 GET /pets/{id} 200 22/Nov/2026:00:49:37 +0000 -")
        #expect(custom.unknownVariables == ["nope"])
        let json = AccessLogFormat("json").format(entry)
        #expect(json.hasPrefix(#"{"requestId":"r-1","ip":"127.0.0.1","requestTime":"22/Nov/2026:00:49:37 +0000","httpMethod":"GET""#))
        #expect(json.contains(#""status":200"#))
        #expect(json.contains(#""integrationLatency":3"#))
    }
}
