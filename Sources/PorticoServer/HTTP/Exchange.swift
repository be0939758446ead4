import NIOCore
import NIOHTTP1
import PorticoPipeline

/// One request and its response on a downstream connection, from head to the last byte.
final class Exchange {
    /// The rare actions' large payloads are `indirect` (boxed): the exchange stays small, and the
    /// common `.forward` costs no copying of space they would reserve inline.
    enum Action {
        /// Answer with a prepared response (MOCK, gateway errors).
        case respond
        /// Forward to an upstream per the plan.
        case forward(HTTPPlan)
        /// A management call (development mode): the body is collected, then the API answers.
        indirect case management([(name: String, value: String)])
        /// A function: the body is collected, then the function is invoked with the event.
        indirect case function(FunctionPlan, event: FunctionEvent?, mapping: MappingSeed?)
        /// A MOCK whose request template reads the body: collected, then answered.
        indirect case mock(MockPlan, seed: MappingSeed, contentType: String?, accept: String?)
        /// Waiting for a Lambda authorizer or an issuer's keys; the body is collected meanwhile.
        case authorizing
        /// AWS_IAM: the body is collected for the signature's payload hash, then the request is decided again.
        indirect case collectingBody(HTTPRequestHead)
        /// A call of a WebSocket API's `@connections` API: the body is collected, then it runs.
        indirect case connectionsCall(CompiledStage, connectionID: String, head: HTTPRequestHead)
        /// HTTP (non-proxy) with a request template: the body is collected, rendered, then sent.
        indirect case forwardTemplated(HTTPPlan, UpstreamRequest)
        /// A request validator checks the body: collected, validated, then the decision goes on.
        indirect case validating(JSONSchema, Pipeline.Decision)
    }

    let method: HTTPMethod
    let uri: String
    let version: HTTPVersion
    let userAgent: String
    /// The request's Accept field, when a response template will be chosen by it (functions).
    var accept: String?
    /// The request's Content-Type, when a request template will be chosen by it (functions).
    var contentType: String?
    let requestID: RequestID
    let startNanos: UInt64
    let startEpochMillis: Int64
    let gateway: CompiledGateway
    /// Decided into in place (`inout`): no runtime exclusivity check, one driver touches it.
    @exclusivity(unchecked) var routed: Pipeline.Routed
    var action: Action = .respond
    var keepAlive: Bool

    var requestComplete = false
    var bodyBytes = 0
    var responseStarted = false
    var responseComplete = false
    var status = 0
    var responseBytes = 0
    var errorMessage = ""

    // Upstream side (forwarding only).
    var upstream: UpstreamConnection?
    /// The request to send; kept until a connection takes it (and for one retry).
    var upstreamRequest: UpstreamRequest?
    /// Set while a connection is being opened.
    var connecting = false
    var pendingBody: [ByteBuffer] = []
    var pendingBytes = 0
    var upstreamRequestComplete = false
    var bodyForwarded = false
    var reusedConnection = false
    var retried = false
    var upstreamNeedsFlush = false
    var integrationStartNanos: UInt64 = 0
    var integrationLatencyNanos: UInt64?
    // The loop's `TimeoutQueue` links in-flight exchanges through these. The neighbours are not
    // references of their own (no retain and release per request): an exchange is kept alive by
    // its driver, and leaves its lane before it goes (`deinit` makes sure).
    var deadlineNanos: UInt64 = 0
    var timeoutLane: TimeoutQueue.Lane?
    var timeoutOwner: RequestDriver?
    var timeoutNext: Unmanaged<Exchange>?
    var timeoutPrevious: Unmanaged<Exchange>?
    /// The upstream response is not sent to the client (already answered, or mapped away).
    var discardUpstreamBody = false
    /// The body of a management call or a function invocation, collected before it runs.
    var collectedBody = ByteBuffer()
    /// HTTP (non-proxy) with a response template: what the template reads of the request, and the
    /// response to render once the integration's body is in.
    var mapping: MappingSeed?
    var mappedResponse: (entry: IntegrationResponses.Entry, plan: HTTPPlan, fields: [(name: String, value: String)])?
    var responseBuffer = ByteBuffer()
    /// Where the response goes when the stage cache keeps it (cleared once kept or refused).
    var cacheStore: (cache: SharedResponseCache, key: String, ttlNanos: UInt64)?
    /// A proxied response being kept for the stage cache: its head and the body so far.
    var cacheCapture: (status: HTTPResponseStatus, headers: [(String, String)], contentType: String?, body: ByteBuffer)?
    /// Whether the stage cache answered (true), or was asked and missed (false).
    var cacheHit: Bool?
    /// Fields every response of this exchange carries (a refused cache invalidation's warning).
    var extraResponseFields: [(String, String)] = []

    init(
        method: HTTPMethod, uri: String, version: HTTPVersion, userAgent: String, requestID: RequestID,
        startNanos: UInt64, startEpochMillis: Int64, gateway: CompiledGateway, routed: Pipeline.Routed, keepAlive: Bool
    ) {
        self.method = method
        self.uri = uri
        self.version = version
        self.userAgent = userAgent
        self.requestID = requestID
        self.startNanos = startNanos
        self.startEpochMillis = startEpochMillis
        self.gateway = gateway
        self.routed = routed
        self.keepAlive = keepAlive
    }

    var isDone: Bool { requestComplete && responseComplete }

    deinit {
        timeoutLane?.unlink(self)
    }
}
