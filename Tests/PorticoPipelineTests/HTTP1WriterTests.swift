import NIOCore
import NIOHTTP1
import Testing

@testable import PorticoPipeline

/// The head writer copies its pieces with raw pointers: every shape checked against the text it must be.
@Suite struct HTTP1WriterTests {
    private func written(_ write: (inout ByteBuffer) -> Void) -> String {
        var buffer = ByteBuffer()
        write(&buffer)
        return String(buffer: buffer)
    }

    @Test func linesAndFields() {
        #expect(written { HTTP1Writer.writeRequestLine(method: .GET, target: "/a/b?c=d", into: &$0) } == "GET /a/b?c=d HTTP/1.1\r\n")
        #expect(written { HTTP1Writer.writeRequestLine(method: .RAW(value: "PROPFIND"), target: "/", into: &$0) } == "PROPFIND / HTTP/1.1\r\n")
        #expect(written { HTTP1Writer.writeStatusLine(.ok, into: &$0) } == "HTTP/1.1 200 OK\r\n")
        #expect(written { HTTP1Writer.writeStatusLine(.gatewayTimeout, into: &$0) } == "HTTP/1.1 504 Gateway Timeout\r\n")
        #expect(written { HTTP1Writer.writeStatusLine(.custom(code: 299, reasonPhrase: ""), into: &$0) } == "HTTP/1.1 299 \r\n")
        #expect(written { HTTP1Writer.writeField("x-static", "value", into: &$0) } == "x-static: value\r\n")
        let long = String(repeating: "é", count: 300)  // longer than a small string, not ASCII
        #expect(written { HTTP1Writer.writeField("x-" + "dynamic", long, into: &$0) } == "x-dynamic: \(long)\r\n")
        #expect(written { HTTP1Writer.writeField("empty", "", into: &$0) } == "empty: \r\n")
        let bytes: [UInt8] = Array("name".utf8), value: [UInt8] = Array("v".utf8)
        #expect(written { buffer in
            bytes.withUnsafeBytes { name in value.withUnsafeBytes { HTTP1Writer.writeField(name, $0, into: &buffer) } }
        } == "name: v\r\n")
    }

    @Test(arguments: [(0, "0"), (7, "7"), (10, "10"), (99, "99"), (12_345, "12345"), (Int.max, "\(Int.max)"), (-3, "0")])
    func decimals(value: Int, text: String) {
        #expect(written { HTTP1Writer.writeField("content-length", decimal: value, into: &$0) } == "content-length: \(text)\r\n")
    }

    @Test(arguments: [0, 1, 9, 10, 15, 16, 255, 4096, 1 << 40, Int.max])
    func chunkHeaders(size: Int) {
        #expect(written { HTTP1Writer.writeChunkHeader(size: size, into: &$0) } == String(size, radix: 16) + "\r\n")
    }

    @Test func manyWritesGrowTheBuffer() {
        var buffer = ByteBuffer()
        var expected = ""
        for index in 0..<500 {
            HTTP1Writer.writeField("x-field", String(index), into: &buffer)
            expected += "x-field: \(index)\r\n"
        }
        #expect(String(buffer: buffer) == expected)
    }

    @Test func requestIDFields() {
        var generator = RequestIDGenerator()
        let id = generator.make()
        #expect(written { id.writeResponseFields(rest: true, into: &$0) } == "x-amzn-RequestId: \(id.uuid)\r\nx-amz-apigw-id: \(id.shortID)\r\n")
        #expect(written { id.writeResponseFields(rest: false, into: &$0) } == "apigw-requestid: \(id.shortID)\r\n")
    }
}
