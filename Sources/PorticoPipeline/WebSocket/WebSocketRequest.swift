import NIOHTTP1

/// What an HTTP request to a WebSocket API's stage asks for: to open a connection (`GET` with
/// `Upgrade: websocket` on the stage's root), or the `@connections` API (`POST` to send, `GET` to
/// describe, `DELETE` to close the connection `{id}`).
public enum WebSocketRequest: Sendable {
    case connect(CompiledStage)
    case connections(CompiledStage, connectionID: String, method: HTTPMethod)

    static func decide<Head: RequestHead>(head: Head, apiPath: Substring, stage: CompiledStage) -> Pipeline.Decision {
        if apiPath.hasPrefix("/@connections/") {
            let id = apiPath.dropFirst("/@connections/".count)
            guard !id.isEmpty, !id.contains("/"), [.POST, .GET, .DELETE].contains(head.method) else { return .fail(.missingAuthenticationToken) }
            return .webSocket(.connections(stage, connectionID: PercentEncoding.decode(id) ?? String(id), method: head.method))
        }
        guard apiPath.isEmpty || apiPath == "/" else { return .fail(.missingAuthenticationToken) }
        guard head.method == .GET, head.field("upgrade")?.lowercased() == "websocket" else { return .fail(.upgradeRequired) }
        return .webSocket(.connect(stage))
    }
}
