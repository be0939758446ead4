import Foundation
import PorticoModel
import PorticoStorage

/// The AWS-compatible management API: `apigateway` (REST APIs), `apigatewayv2` (HTTP and WebSocket
/// APIs) and, in development mode, `POST /moto-api/reset`. Transport-free: the server hands it an
/// `AdminRequest` and writes back the `AdminResponse`. State lives in memory and is written through
/// to the `ConfigStore` before each answer; deployments are published to the data plane through
/// `onDeploy` before the call that made them returns.
public actor ManagementAPI {
    typealias Handler = @Sendable (inout ManagementState, Call) throws -> AdminResponse

    public struct Settings: Sendable {
        /// Used in ARNs.
        public var account: String
        /// When the credential scope names none.
        public var defaultRegion: String
        /// Answer `POST /moto-api/reset` by clearing everything (development mode only).
        public var allowsReset: Bool
        /// Access key id → secret access key. Empty: signatures are not checked (development mode).
        public var credentials: [String: String]

        public init(account: String = "123456789012", defaultRegion: String = "us-east-1", allowsReset: Bool = false, credentials: [String: String] = [:]) {
            self.account = account
            self.defaultRegion = defaultRegion
            self.allowsReset = allowsReset
            self.credentials = credentials
        }
    }

    private let store: any ConfigStore
    private let settings: Settings
    private var state: ManagementState
    private let router: AdminRouter<Handler>
    private let clock: @Sendable () -> Double
    private var onDeploy: (@Sendable (DeployedDefinitions) async -> Void)?
    private var onFlushCache: (@Sendable (String) -> Void)?

    public init(store: any ConfigStore, settings: Settings = Settings(), clock: @escaping @Sendable () -> Double = ManagementAPI.wallClock) throws {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.state = ManagementState(records: try store.loadAll())
        var router = AdminRouter<Handler>()
        RestAPIOperations.register(into: &router)
        V2Operations.register(into: &router)
        self.router = router
    }

    /// Seconds since the epoch, whole.
    public static let wallClock: @Sendable () -> Double = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec)
    }

    private var fileDefinitions: [APIDefinition] = []
    private var testInvoker: (any TestInvoker)?

    /// What runs TestInvokeMethod; the server sets one backed by the data plane's pipeline.
    public func setTestInvoker(_ invoker: any TestInvoker) {
        testInvoker = invoker
    }

    /// Shows the APIs of `portico.yaml` through the management API (GetRestApis, GetResources,
    /// GetStages, GetApis, …), read-only: they change when the file changes. Call again on reload.
    public func setFileAPIs(_ apis: [APIDefinition]) {
        for id in state.fileAPIIDs {
            state.restAPIs[id] = nil
            state.v2APIs[id] = nil
        }
        fileDefinitions = apis
        state.fileAPIIDs = Set(apis.map(\.id))
        for api in apis {
            switch api.type {
            case .rest: state.restAPIs[api.id] = FileAPIs.restRecord(api, now: clock())
            case .http, .websocket: state.v2APIs[api.id] = FileAPIs.v2Record(api, now: clock(), region: settings.defaultRegion)
            }
        }
    }

    /// Sets the callback that receives every deployed API whenever deployments or stages change.
    public func setOnDeploy(_ callback: @escaping @Sendable (DeployedDefinitions) async -> Void) {
        onDeploy = callback
    }

    /// What FlushStageCache calls with the stage (`apiID/stage`).
    public func setOnFlushCache(_ callback: @escaping @Sendable (String) -> Void) {
        onFlushCache = callback
    }

    /// What the data plane serves from the management API's deployments.
    public func deployedAPIs() -> [APIDefinition] {
        DeployedAPIs.definitions(from: state)
    }

    /// Everything the data plane serves from the management API.
    public func deployed() -> DeployedDefinitions {
        var deployed = DeployedDefinitions(apis: DeployedAPIs.definitions(from: state), domains: DeployedAPIs.domains(from: state))
        (deployed.apiKeys, deployed.usagePlans) = DeployedAPIs.traffic(from: state)
        return deployed
    }

    /// Whether a path belongs to the management API (and not to the data plane) in development mode.
    public nonisolated static func isManagementPath(_ path: Substring) -> Bool {
        for prefix in ["/restapis", "/apikeys", "/usageplans", "/domainnames", "/tags/", "/v2/", "/moto-api/", "/account", "/vpclinks", "/clientcertificates", "/sdktypes", "/@connections/"] where path.hasPrefix(prefix) {
            return true
        }
        return path.contains("/@connections/")
    }

    public func handle(_ request: AdminRequest) async -> AdminResponse {
        if request.method == "POST", request.path == "/moto-api/reset" {
            guard settings.allowsReset, Self.isLoopback(request.sourceIP) else { return ManagementError.notFound("Not Found").response }
            do { try store.removeAll() } catch { return Self.storeFailure(error) }
            let fileAPIs = fileDefinitions
            state = ManagementState()
            if !fileAPIs.isEmpty { setFileAPIs(fileAPIs) }
            await onDeploy?(DeployedDefinitions())
            return .json(200, ["status": "ok"])
        }
        let scope = CredentialScope(authorization: request.header("authorization"))
        if !settings.credentials.isEmpty {
            if let error = SigV4Check.verify(request, credentials: settings.credentials, now: Int64(clock())) { return error.response }
        } else if !Self.isLoopback(request.sourceIP) {
            // Without admin credentials nothing is checked, so only this machine may call.
            return ManagementError.accessDenied("Management calls from other hosts need admin credentials (admin.credentials in portico.yaml)").response
        }
        let region = scope?.region ?? settings.defaultRegion
        // The @connections API (`/{stage}/@connections/{id}` on the callback URL): WebSocket APIs are
        // not served yet, so no connection exists and every id is gone, as AWS answers for a closed one.
        if let range = request.path.range(of: "/@connections/"), ["GET", "POST", "DELETE"].contains(request.method) {
            let id = AdminRequest.decode(request.path[range.upperBound...])
            return ManagementError(type: "GoneException", status: 410, message: "The connection \(id) is gone (no WebSocket connection is open)").response
        }
        if TestInvoke.target(request) != nil {
            do {
                return try await TestInvoke.run(state, request, invoker: testInvoker, account: settings.account)
            } catch let error as ManagementError {
                return error.response
            } catch {
                return ManagementError(type: "InternalFailure", status: 500, message: "\(error)").response
            }
        }
        switch router.match(method: request.method, path: request.path) {
        case .notFound, .methodNotAllowed:
            return ManagementError(type: "UnknownOperationException", status: 404, message: "No management operation matches \(request.method) \(request.path)").response
        case .found(let handler, let parameters):
            // Imports carry a document (YAML or JSON) rather than a JSON object of fields.
            let isImport = request.method == "PUT" && request.path.hasPrefix("/restapis/") || request.queryValue("mode") == "import"
            let body: JSONObject
            do { body = try request.json() } catch {
                guard isImport else { return (error as? ManagementError ?? .badRequest("Invalid request body")).response }
                body = [:]
            }
            let call = Call(request: request, parameters: parameters, body: body, region: region, account: settings.account, now: clock())
            var working = state
            working.dirty = []
            working.deploymentChanged = false
            let response: AdminResponse
            do {
                response = try handler(&working, call)
            } catch let error as ManagementError {
                return error.response
            } catch {
                return ManagementError(type: "InternalFailure", status: 500, message: "\(error)").response
            }
            do {
                try store.apply(working.writes())
            } catch {
                return Self.storeFailure(error)
            }
            if let touched = working.dirty.first(where: { ["restapis", "v2apis"].contains($0.collection) && working.fileAPIIDs.contains($0.key) }) {
                return ManagementError.badRequest("The API \(touched.key) is defined in the project file; change the file (Portico reloads it) rather than the API").response
            }
            let changed = working.deploymentChanged
            for stage in working.flushedCaches { onFlushCache?(stage) }
            working.flushedCaches = []
            working.dirty = []
            state = working
            if changed { await onDeploy?(deployed()) }
            return response
        }
    }

    /// Stores the data plane's usage counts (a recorder calls this every second).
    public func recordUsage(_ entries: [UsageEntry]) {
        guard !entries.isEmpty else { return }
        var working = state
        working.dirty = []
        for entry in entries {
            let key = "\(entry.planID)/\(entry.keyID)/\(entry.day)"
            working.usage[key] = entry.used
            working.touch("usage", key)
        }
        try? store.apply(working.writes())
        working.dirty = []
        state = working
    }

    /// The stored usage counts, for the data plane to start from.
    public func usageRecords() -> [UsageEntry] {
        state.usageEntries
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }

    private static func storeFailure(_ error: any Error) -> AdminResponse {
        ManagementError(type: "ServiceUnavailableException", status: 503, message: "The change could not be stored: \(error)").response
    }
}

/// `Credential=AKID/20250101/us-east-1/apigateway/aws4_request` → its parts.
struct CredentialScope: Sendable {
    var accessKey: String
    var date: String
    var region: String
    var service: String

    init?(authorization: String?) {
        guard let authorization, let range = authorization.range(of: "Credential=") else { return nil }
        let rest = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }
        let parts = rest.split(separator: "/")
        guard parts.count == 5 else { return nil }
        accessKey = String(parts[0])
        date = String(parts[1])
        region = String(parts[2])
        service = String(parts[3])
    }
}
