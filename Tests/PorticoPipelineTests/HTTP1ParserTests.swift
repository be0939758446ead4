import NIOCore
import NIOHTTP1
import Testing

@testable import PorticoPipeline

@Suite struct HTTP1ParserTests {
    func parse(_ text: String, limit: Int = 16_384) throws(HTTP1ParseError) -> (head: HTTP1RequestHead, consumed: Int)? {
        try HTTP1Parser.parseRequestHead(ByteBuffer(string: text), limit: limit)
    }

    @Test func parsesWhatAProxyNeeds() throws {
        let text = "POST /prod/pets?x=1 HTTP/1.1\r\nHost: api.local\r\nContent-Length: 5\r\nX-Multi: a\r\nx-multi:  b \r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\nhello"
        let (head, consumed) = try #require(try parse(text))
        #expect(consumed == text.utf8.count - 5)
        #expect(head.method == .POST)
        #expect(head.uri == "/prod/pets?x=1")
        #expect(head.version == .http1_1)
        #expect(head.contentLength == 5)
        #expect(!head.isChunked)
        #expect(head.keepAlive)
        #expect(head.expectsContinue)
        #expect(head.fields.first("host") == "api.local")
        #expect(head.fields.first(name: "X-MULTI") == "a")
        #expect(head.fields.httpHeaders["x-multi"] == ["a", "b"])
        #expect(head.headLength == consumed)
    }

    @Test func incompleteHeadsWait() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: a\r\n") == nil)
        #expect(try parse("GET / HTTP/1.1\r\nHost: a\r\n\r") == nil)
    }

    @Test func keepAliveFollowsTheVersionAndConnection() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")?.head.keepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\n\r\n")?.head.keepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.head.keepAlive == true)
        #expect(try parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")?.head.method == .GET)
    }

    /// Request-smuggling shapes and other malformed heads, each refused.
    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "Content-Length with Transfer-Encoding"),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", "Content-Length with Transfer-Encoding"),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", "repeated Content-Length"),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", "bad Content-Length"),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", "bad Content-Length"),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", "bad Content-Length"),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported transfer coding"),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "repeated Transfer-Encoding"),
        ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", "bad field name"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n", "obs-fold"),
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", "bare LF"),
        ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", "bare CR"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{01}b\r\n\r\n", "control character in a field value"),
        ("GET / HTTP/1.1\r\n\r\n", "missing Host"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "repeated Host"),
        ("GET / HTTP/1.2\r\nHost: a\r\n\r\n", "unsupported HTTP version"),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", "bad HTTP version"),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "bad request target"),
        ("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", "bad HTTP version"),
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "bad method"),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding on HTTP/1.0"),
        ("GET / HTTP/1.1\r\n: empty\r\nHost: a\r\n\r\n", "bad field name"),
    ])
    func refused(_ text: String, reason: String) {
        #expect(throws: HTTP1ParseError.malformed(reason)) { try parse(text) }
    }

    @Test func headSizeIsEnforcedWhileReading() {
        let partial = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 2000)
        #expect(throws: HTTP1ParseError.headTooLarge) { try parse(partial, limit: 1000) }
        let complete = partial + "\r\n\r\n"
        #expect(throws: HTTP1ParseError.headTooLarge) { try parse(complete, limit: 1000) }
    }

    @Test func responses() throws {
        let text = "HTTP/1.1 201 Created\r\nContent-Length: 3\r\nServer: up\r\n\r\nabc"
        let (head, consumed) = try #require(try HTTP1Parser.parseResponseHead(ByteBuffer(string: text), limit: 4096))
        #expect(head.status == 201)
        #expect(head.contentLength == 3)
        #expect(head.keepAlive)
        #expect(consumed == text.utf8.count - 3)
        #expect(try HTTP1Parser.parseResponseHead(ByteBuffer(string: "HTTP/1.1 204\r\n\r\n"), limit: 4096)?.head.status == 204)
        #expect(throws: HTTP1ParseError.malformed("Content-Length with Transfer-Encoding")) {
            try HTTP1Parser.parseResponseHead(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"), limit: 4096)
        }
        #expect(throws: HTTP1ParseError.malformed("bad status code")) {
            try HTTP1Parser.parseResponseHead(ByteBuffer(string: "HTTP/1.1 2x0 OK\r\n\r\n"), limit: 4096)
        }
    }

    func decodeChunked(_ pieces: [String]) throws(HTTP1ParseError) -> (String, Bool) {
        var decoder = ChunkedDecoder()
        var output = ""
        var done = false
        for piece in pieces {
            var buffer = ByteBuffer(string: piece)
            done = try decoder.decode(&buffer) { output += String(buffer: $0) }
        }
        return (output, done)
    }

    @Test func chunkedBodiesDecodeAcrossReads() throws {
        let body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n"
        #expect(try decodeChunked([body]) == ("Wikipedia in\r\n\r\nchunks.", true))
        // Byte by byte gives the same.
        #expect(try decodeChunked(body.map { String($0) }) == ("Wikipedia in\r\n\r\nchunks.", true))
        #expect(try decodeChunked(["4\r\nab"]) == ("ab", false))
    }

    @Test(arguments: [
        ("zz\r\n", "bad chunk size"),
        ("4\r\nWikiX\r\n", "chunk data longer than its size"),
        ("4\nWiki\r\n", "bad chunk size"),
        ("1000000000000000\r\n", "chunk size too large"),
        ("0\r\nX\n", "bare LF in trailers"),
    ])
    func badChunksAreRefused(_ body: String, reason: String) {
        #expect(throws: HTTP1ParseError.malformed(reason)) { try decodeChunked([body]) }
    }

    /// Random mutations of valid requests: the parser never crashes, and whatever it accepts
    /// re-serialises to a head it accepts again. (The libFuzzer harness in Fuzz/ goes further.)
    @Test func mutatedRequestsNeverCrash() {
        var random = SplitMix(seed: 42)
        let seeds = [
            "GET /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
            "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        ]
        let alphabet = Array("\r\n :;,\t\u{0}\u{7f}0123456789abcdefABCDEF-GETPOSTHTTP/1.01.1chunkedContent-LengthTransfer-Encoding".utf8)
        for _ in 0..<20_000 {
            var bytes = Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8)
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let position = Int(random.next() % UInt64(bytes.count + 1))
                switch random.next() % 3 {
                case 0: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                case 1: if position < bytes.count { bytes.remove(at: position) }
                default: if position < bytes.count { bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))] }
                }
            }
            let buffer = ByteBuffer(bytes: bytes)
            if let (head, consumed) = try? HTTP1Parser.parseRequestHead(buffer, limit: 4096) {
                #expect(consumed <= bytes.count)
                #expect(!(head.isChunked && head.contentLength != nil))
            }
            _ = try? HTTP1Parser.parseResponseHead(buffer, limit: 4096)
            var decoder = ChunkedDecoder()
            var copy = buffer
            _ = try? decoder.decode(&copy) { _ in }
        }
    }
}

/// A small deterministic generator for reproducible random tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
