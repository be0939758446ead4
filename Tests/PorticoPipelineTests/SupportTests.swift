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
