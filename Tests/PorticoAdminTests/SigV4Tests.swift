import PorticoPipeline
import Testing

/// Signature Version 4 against AWS's published test suite vector (`get-vanilla`) and the failure cases.
@Suite struct SigV4Tests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let vanilla = SigV4.Request(
        method: "GET", rawPath: "/", rawQuery: "",
        headers: [
            ("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ],
        body: []
    )
    static let signedAt = SigV4.epochSeconds(amzDate: "20150830T123600Z")!

    @Test func awsTestSuiteVectorVerifies() throws {
        let credential = try SigV4.verify(Self.vanilla, secret: { $0 == "AKIDEXAMPLE" ? Self.secret : nil }, now: Self.signedAt + 10, maxSkew: 300)
        #expect(credential.region == "us-east-1")
        #expect(credential.service == "service")
    }

    @Test func wrongSecretUnknownKeyAndOldDateFail() {
        #expect(throws: SigV4.Failure.mismatch) {
            _ = try SigV4.verify(Self.vanilla, secret: { _ in "other" }, now: Self.signedAt, maxSkew: 300)
        }
        #expect(throws: SigV4.Failure.unknownAccessKey) {
            _ = try SigV4.verify(Self.vanilla, secret: { _ in nil }, now: Self.signedAt, maxSkew: 300)
        }
        #expect(throws: SigV4.Failure.expired(signed: "20150830T123600Z", now: "20150830T124601Z")) {
            _ = try SigV4.verify(Self.vanilla, secret: { _ in Self.secret }, now: Self.signedAt + 601, maxSkew: 300)
        }
        var changed = Self.vanilla
        changed.rawPath = "/x"
        #expect(throws: SigV4.Failure.mismatch) {
            _ = try SigV4.verify(changed, secret: { _ in Self.secret }, now: Self.signedAt, maxSkew: 300)
        }
        var unsigned = Self.vanilla
        // Requests keep header names in lower case, as the canonical request writes them.
        unsigned.headers.removeAll { $0.name == "authorization" }
        #expect(throws: SigV4.Failure.missing) {
            _ = try SigV4.verify(unsigned, secret: { _ in Self.secret }, now: Self.signedAt, maxSkew: 300)
        }
    }

    @Test func civilTimeRoundTrips() {
        #expect(SigV4.amzDate(Self.signedAt) == "20150830T123600Z")
        #expect(SigV4.epochSeconds(amzDate: "19700101T000000Z") == 0)
        #expect(SigV4.epochSeconds(amzDate: "2015-08-30") == nil)
    }
}
