/// Everything `portico.yaml` says: the APIs to serve and how to serve them.
public struct ProjectConfig: Sendable, Hashable {
    public var listeners: [ListenerConfig]
    public var admin: AdminConfig?
    public var accessLog: AccessLogConfig
    public var limits: Limits
    public var apis: [APIDefinition]
    /// Processes Portico starts beside itself (e.g. the example's demo backend).
    public var sidecars: [SidecarConfig]
    /// Lambda-style functions Portico runs through the Lambda Runtime API.
    public var functions: [FunctionConfig] = []
    /// Where functions that `functions` does not define are invoked (real Lambda, or any server
    /// that speaks Lambda's Invoke API). Nil: such integrations answer 500.
    public var remoteLambda: RemoteLambdaConfig?
    /// Every file the configuration was read from, so a change to any of them triggers a reload.
    public var sourceFiles: [String]
    /// Custom domain names and their mappings (from the management API).
    public var customDomains: [CustomDomain] = []
    /// API keys and usage plans (portico.yaml, and the management API's).
    public var apiKeys: [APIKeyConfig] = []
    public var usagePlans: [UsagePlanConfig] = []
    /// Send the IETF `RateLimit` / `RateLimit-Policy` headers on metered requests (AWS does not).
    public var rateLimitHeaders = false
    /// Credentials that may sign requests to `AWS_IAM` methods.
    public var iamCredentials: [IAMCredential] = []
    /// Where token issuers' keys come from, when not from their discovery documents.
    public var jwks: [JWKSSource] = []

    public init(
        listeners: [ListenerConfig] = [ListenerConfig()], admin: AdminConfig? = nil,
        accessLog: AccessLogConfig = AccessLogConfig(), limits: Limits = Limits(), apis: [APIDefinition] = [],
        sidecars: [SidecarConfig] = [], sourceFiles: [String] = []
    ) {
        self.listeners = listeners
        self.admin = admin
        self.accessLog = accessLog
        self.limits = limits
        self.apis = apis
        self.sidecars = sidecars
        self.sourceFiles = sourceFiles
    }
}

/// A data-plane listener.
public struct ListenerConfig: Sendable, Hashable {
    /// Address to bind; default `127.0.0.1`.
    public var host: String
    /// Port to bind; default 8080, 0 picks a free port.
    public var port: Int
    /// Serve TLS with this certificate and key (PEM files).
    public var tls: TLSConfig?
    /// Accept HTTP/2: with TLS through ALPN `h2`, without TLS as h2c with prior knowledge. Default true.
    public var http2: Bool

    public init(host: String = "127.0.0.1", port: Int = 8080, tls: TLSConfig? = nil, http2: Bool = true) {
        self.host = host
        self.port = port
        self.tls = tls
        self.http2 = http2
    }
}

public struct TLSConfig: Sendable, Hashable {
    /// PEM certificate chain file.
    public var certificateFile: String
    /// PEM private key file.
    public var keyFile: String
    /// Mutual TLS: a PEM file of CA certificates that clients' certificates must chain to.
    public var truststoreFile: String?

    public init(certificateFile: String, keyFile: String, truststoreFile: String? = nil) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.truststoreFile = truststoreFile
    }
}

/// The admin listener: `/health`, `/ready`, `/metrics` and the AWS-compatible management API.
public struct AdminConfig: Sendable, Hashable {
    /// Address to bind; default `127.0.0.1`.
    public var host: String
    /// Port; default 9090.
    public var port: Int
    /// The SQLite file that keeps what the management API creates; default `.portico/state.sqlite`
    /// beside `portico.yaml`. Nil keeps it in memory only.
    public var stateFile: String?
    /// Access key id → secret access key that may sign management calls (SigV4). Empty (the
    /// default): calls need no signature, and only loopback clients are answered.
    public var credentials: [String: String]

    public init(host: String = "127.0.0.1", port: Int = 9090, stateFile: String? = nil, credentials: [String: String] = [:]) {
        self.host = host
        self.port = port
        self.stateFile = stateFile
        self.credentials = credentials
    }
}

public struct AccessLogConfig: Sendable, Hashable {
    /// Default true.
    public var enabled: Bool
    /// `json` (default), or a format string with AWS's `$context` variables.
    public var format: String
    /// `stdout` (default) or a file path.
    public var destination: String

    public init(enabled: Bool = true, format: String = "json", destination: String = "stdout") {
        self.enabled = enabled
        self.format = format
        self.destination = destination
    }
}

/// Limits that AWS fixes and Portico lets a self-hosted operator raise. Defaults are AWS's values.
public struct Limits: Sendable, Hashable {
    /// Largest request body accepted; AWS: 10 MB.
    public var maxPayloadBytes: Int
    /// Largest total size of request headers; AWS: 10,240 bytes.
    public var maxHeaderBytes: Int
    /// Longest integration timeout an integration may ask for; AWS: 29,000 ms.
    public var maxIntegrationTimeoutMillis: Int
    /// How long a keep-alive connection may sit idle before Portico closes it.
    public var idleTimeoutSeconds: Int
    /// How long a client may take to send a request head.
    public var requestHeadTimeoutSeconds: Int
    /// How long graceful shutdown waits for requests in flight.
    public var drainSeconds: Int
    /// Event-loop threads serving traffic; nil (the default) means one per core.
    public var eventLoops: Int?
    /// The account-level throttle every request passes; AWS: 10,000 requests/s, burst 5,000.
    public var accountThrottle = Throttling(rateLimit: 10_000, burstLimit: 5_000)

    public static let awsMaxPayloadBytes = 10 * 1024 * 1024
    public static let awsMaxHeaderBytes = 10_240
    public static let awsMaxIntegrationTimeoutMillis = 29_000

    public init(
        maxPayloadBytes: Int = Limits.awsMaxPayloadBytes, maxHeaderBytes: Int = Limits.awsMaxHeaderBytes,
        maxIntegrationTimeoutMillis: Int = Limits.awsMaxIntegrationTimeoutMillis, idleTimeoutSeconds: Int = 60,
        requestHeadTimeoutSeconds: Int = 30, drainSeconds: Int = 10, eventLoops: Int? = nil
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxIntegrationTimeoutMillis = maxIntegrationTimeoutMillis
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.requestHeadTimeoutSeconds = requestHeadTimeoutSeconds
        self.drainSeconds = drainSeconds
        self.eventLoops = eventLoops
    }
}

/// A process Portico starts before it serves and stops when it exits.
public struct SidecarConfig: Sendable, Hashable {
    public var name: String
    /// Executable and arguments; the executable is looked up on PATH.
    public var command: [String]
    /// Working directory; default the directory of `portico.yaml`.
    public var workingDirectory: String?
    public var environment: [String: String]
    /// Port Portico waits for (up to 10 s) before it starts serving.
    public var readyPort: Int?

    public init(
        name: String, command: [String], workingDirectory: String? = nil, environment: [String: String] = [:],
        readyPort: Int? = nil
    ) {
        self.name = name
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.readyPort = readyPort
    }
}

/// A custom domain name: requests whose Host is `name` go to the API and stage its mappings name,
/// as AWS resolves base path mappings (REST) and API mappings (HTTP).
public struct CustomDomain: Sendable, Hashable {
    /// Lower-case host name, without a port.
    public var name: String
    public var mappings: [Mapping]
    /// Served by SNI on TLS listeners when a client asks for this name.
    public var certificate: Certificate?
    /// Mutual TLS (`mutualTlsAuthentication`): the truststore's CA certificates, PEM. Clients that
    /// ask for this name by SNI must present a certificate that chains to one of them. An empty
    /// truststore (one that could not be read) lets no client in.
    public var truststorePEM: String?

    public struct Certificate: Sendable, Hashable {
        /// The certificate then its chain, PEM.
        public var chainPEM: String
        public var privateKeyPEM: String

        public init(chainPEM: String, privateKeyPEM: String) {
            self.chainPEM = chainPEM
            self.privateKeyPEM = privateKeyPEM
        }
    }

    public struct Mapping: Sendable, Hashable {
        /// `""` for the empty base path (`(none)`); HTTP API mappings may hold `/` (`v1/orders`).
        public var basePath: String
        public var apiID: String
        /// Nil: the stage is the first path segment after the base path.
        public var stage: String?

        public init(basePath: String, apiID: String, stage: String?) {
            self.basePath = basePath
            self.apiID = apiID
            self.stage = stage
        }
    }

    public init(name: String, mappings: [Mapping]) {
        self.name = name
        self.mappings = mappings
    }
}

/// What the management API has deployed: APIs whose stages point at deployments, and custom domains.
public struct DeployedDefinitions: Sendable, Hashable {
    public var apis: [APIDefinition]
    public var domains: [CustomDomain]
    /// API keys and usage plans created through the management API.
    public var apiKeys: [APIKeyConfig] = []
    public var usagePlans: [UsagePlanConfig] = []

    public init(apis: [APIDefinition] = [], domains: [CustomDomain] = []) {
        self.apis = apis
        self.domains = domains
    }
}

/// A Lambda-style function that Portico runs locally: processes speaking the Lambda Runtime API
/// (any official runtime client), started on demand, kept warm and reused.
public struct FunctionConfig: Sendable, Hashable {
    /// The name an integration URI's function ARN ends with (`…:function:{name}`).
    public var name: String
    /// Executable and arguments of one instance, e.g. `[python3, -m, awslambdaric, app.handler]`.
    public var command: [String]
    /// Working directory (`LAMBDA_TASK_ROOT`); default the directory of `portico.yaml`.
    public var workingDirectory: String?
    public var environment: [String: String]
    /// `_HANDLER`; default the command's last argument.
    public var handler: String?
    /// Seconds an invocation may run before its instance is killed (Lambda's default: 3).
    public var timeoutSeconds: Double
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (Lambda's default: 128).
    public var memoryMB: Int
    /// Instances running at once at most (Lambda's reserved concurrency); default 10.
    public var maxConcurrency: Int
    /// Instances started with Portico and kept however idle; default 0.
    public var warmInstances: Int
    /// Invocations that may wait for an instance; beyond it requests are throttled (429). Default 100.
    public var queueLimit: Int

    public init(
        name: String, command: [String], workingDirectory: String? = nil, environment: [String: String] = [:],
        handler: String? = nil, timeoutSeconds: Double = 3, memoryMB: Int = 128, maxConcurrency: Int = 10,
        warmInstances: Int = 0, queueLimit: Int = 100
    ) {
        self.name = name
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.handler = handler
        self.timeoutSeconds = timeoutSeconds
        self.memoryMB = memoryMB
        self.maxConcurrency = maxConcurrency
        self.warmInstances = warmInstances
        self.queueLimit = queueLimit
    }
}

/// Lambda's Invoke API for functions not run locally: `POST {endpoint}/2015-03-31/functions/{name}/invocations`,
/// signed with SigV4 (service `lambda`).
public struct RemoteLambdaConfig: Sendable, Hashable {
    /// e.g. `https://lambda.us-east-1.amazonaws.com`, or a Lambda-compatible server.
    public var endpoint: String
    public var region: String
    /// Credentials; nil: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` from the environment.
    public var accessKeyID: String?
    public var secretAccessKey: String?
    public var sessionToken: String?

    public init(endpoint: String, region: String = "us-east-1", accessKeyID: String? = nil, secretAccessKey: String? = nil, sessionToken: String? = nil) {
        self.endpoint = endpoint
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}
