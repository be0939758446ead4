import NIOCore
import PorticoPipeline

/// One input: parse it as a request head, a response head and a chunked body. A crash, a hang or
/// an accepted head that breaks the parser's own invariants is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    if let (head, consumed) = try? HTTP1Parser.parseRequestHead(buffer, limit: 16_384) {
        precondition(consumed <= size)
        precondition(!(head.isChunked && head.contentLength != nil), "smuggling shape accepted")
        _ = head.fields.httpHeaders
    }
    if let (head, consumed) = try? HTTP1Parser.parseResponseHead(buffer, limit: 16_384) {
        precondition(consumed <= size)
        precondition(!(head.isChunked && head.contentLength != nil), "smuggling shape accepted")
    }
    var decoder = ChunkedDecoder()
    var body = buffer
    var total = 0
    _ = try? decoder.decode(&body) { total += $0.readableBytes }
    precondition(total <= size)
    return 0
}

// SwiftPM links an executable's entry point as `<target>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("PorticoFuzzHTTP1_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzHTTP1)
}
