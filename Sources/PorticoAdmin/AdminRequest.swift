import PorticoModel

/// A management call as the admin listener received it, independent of the transport.
public struct AdminRequest: Sendable {
    public var method: String
    /// The raw path, still percent-encoded (`/restapis/abc/resources/x/methods/GET`).
    public var path: String
    /// Decoded query parameters in order; a name may repeat.
    public var query: [(name: String, value: String)]
    /// Header fields as sent; names compared case-insensitively.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The query string exactly as sent (for signature checks).
    public var rawQuery: String = ""
    /// The client's address, for the loopback-only development mode.
    public var sourceIP: String

    public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [], body: [UInt8] = [], sourceIP: String = "127.0.0.1") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.sourceIP = sourceIP
    }

    /// Splits `path?query` and percent-decodes the query.
    public init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8], sourceIP: String) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [(name: String, value: String)] = []
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") where !pair.isEmpty {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = AdminRequest.decode(kv[0], plusIsSpace: true)
                let value = kv.count == 2 ? AdminRequest.decode(kv[1], plusIsSpace: true) : ""
                query.append((name, value))
            }
        }
        self.init(method: method, path: String(parts[0]), query: query, headers: headers, body: body, sourceIP: sourceIP)
        self.rawQuery = parts.count == 2 ? String(parts[1]) : ""
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    public func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    /// Percent-decodes; invalid escapes are kept as written.
    static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let high = hexValue(utf8[utf8.startIndex]), let low = hexValue(utf8[utf8.startIndex + 1]) {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else if plusIsSpace, byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The body as JSON; an empty body reads as `{}`.
    func json() throws -> [String: JSONValue] {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        do {
            guard case .object(let members) = try JSONValue.parse(body) else {
                throw ManagementError.badRequest("The request body must be a JSON object")
            }
            return members
        } catch let error as JSONValue.ParseError {
            throw ManagementError.badRequest("Invalid JSON in the request body: \(error)")
        } catch let error as ManagementError {
            throw error
        } catch {
            throw ManagementError.badRequest("Invalid request body")
        }
    }
}

/// A management answer.
public struct AdminResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ value: JSONValue) -> AdminResponse {
        AdminResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(value.serialized.utf8))
    }

    static func json(_ status: Int, _ members: [String: JSONValue]) -> AdminResponse {
        json(status, .object(members))
    }

    static func empty(_ status: Int) -> AdminResponse {
        AdminResponse(status: status, headers: [("Content-Type", "application/json")], body: [])
    }
}
