import NIOCore
import NIOHTTP1
import PorticoPipeline

/// How the request driver writes to the client: HTTP/1.1 as bytes (`HTTP1Handler`) or HTTP/2 as
/// typed parts (`HTTP2StreamHandler`). A head is written in three steps so the HTTP/1 side can
/// serialise fields straight into its output buffer, copying upstream fields byte for byte.
protocol DownstreamWire: AnyObject {
    var isHTTP2: Bool { get }
    var isWritable: Bool { get }
    func startHead(_ status: HTTPResponseStatus)
    func addField(_ name: StaticString, _ value: String)
    func addField(_ name: String, _ value: String)
    /// An upstream field; `remapped` writes it as `x-amzn-Remapped-<name>`.
    func addField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, remapped: Bool)
    /// `x-amzn-RequestId` and `x-amz-apigw-id` (REST), or `apigw-requestid` (HTTP APIs).
    func addRequestID(_ id: RequestID, rest: Bool)
    /// Ends the head. With `contentLength` nil and `bodyFollows`, HTTP/1.1 frames the body chunked.
    func endHead(contentLength: Int?, bodyFollows: Bool, keepAlive: Bool)
    func writeBody(_ data: ByteBuffer)
    /// Ends the response; closes the connection afterwards when `close`.
    func writeEnd(close: Bool)
    func writeContinue()
    func flush()
    func close()
    /// Resumes reading after a pause the driver asked for.
    func resumeReading()
    /// The driver finished an exchange: the wire may start the next pipelined request.
    func exchangeFinished()
    /// Answers 101 and hands the connection to a WebSocket session (HTTP/1.1 only).
    func upgradeToWebSocket(accept: String, session: WebSocketSession, maxFrameBytes: Int)
}
