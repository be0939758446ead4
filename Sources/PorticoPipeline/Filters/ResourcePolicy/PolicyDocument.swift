import PorticoModel

/// An IAM policy document, read once: an API's resource policy or an IAM credential's identity
/// policy. Evaluated as IAM does for `execute-api:Invoke`: an explicit Deny wins, then an Allow,
/// else the request is implicitly denied.
public struct PolicyDocument: Sendable {
    public enum Decision: Sendable, Equatable { case allow, explicitDeny, implicitDeny }

    /// Who is asking: nil for an anonymous caller (no IAM signature).
    public struct Caller: Sendable {
        public var principalARN: String?
        public var accountID: String?
        public var sourceIP: String

        public init(principalARN: String?, accountID: String?, sourceIP: String) {
            self.principalARN = principalARN
            self.accountID = accountID
            self.sourceIP = sourceIP
        }
    }

    struct Statement: Sendable {
        var allow: Bool
        /// Nil: no `Principal` (an identity policy); `["*"]` anyone.
        var principals: [String]?
        var notPrincipals: [String]?
        var actions: [String]?
        var notActions: [String]?
        var resources: [String]?
        var notResources: [String]?
        var conditions: [Condition]
    }

    struct Condition: Sendable {
        var operator_: String
        var key: String
        var values: [String]
    }

    let statements: [Statement]
    /// What the document holds that Portico cannot evaluate, for `portico validate`.
    public let problems: [String]

    /// Condition keys Portico evaluates; others are absent from the request context, as IAM treats
    /// a key that a request does not carry.
    static let knownKeys: Set<String> = ["aws:sourceip", "aws:principalarn", "aws:principalaccount", "aws:username"]
    static let operators: Set<String> = [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
        "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
    ]

    /// `json` is the document (an object, or its JSON text as AWS stores `policy`); `apiARN`
    /// expands the `execute-api:/stage/METHOD/path` shorthand of resource policies.
    public init(_ json: JSONValue, apiARN: String? = nil) {
        var document = json
        if let text = json.stringValue, let parsed = try? JSONValue.parse(text) { document = parsed }
        var problems: [String] = []
        var statements: [Statement] = []
        let raw = document["Statement"].map { $0.arrayValue ?? [$0] } ?? []
        if document["Statement"] == nil { problems.append("the policy has no Statement") }
        func list(_ value: JSONValue?) -> [String]? {
            guard let value else { return nil }
            if let text = value.stringValue { return [text] }
            return value.arrayValue?.compactMap(\.stringValue)
        }
        func principals(_ value: JSONValue?) -> [String]? {
            guard let value else { return nil }
            if value.stringValue == "*" { return ["*"] }
            guard let aws = value["AWS"] else {
                problems.append("only AWS principals and '*' are evaluated (\(value.serialized))")
                return []
            }
            return list(aws)
        }
        func expand(_ resources: [String]?) -> [String]? {
            resources?.map { resource in
                if let apiARN, resource.hasPrefix("execute-api:/") { return apiARN + "/" + resource.dropFirst("execute-api:/".count) }
                return resource
            }
        }
        for entry in raw {
            let effect = entry["Effect"]?.stringValue
            if effect != "Allow" && effect != "Deny" { problems.append("a statement's Effect must be Allow or Deny") }
            var conditions: [Condition] = []
            for (operatorName, block) in entry["Condition"]?.objectValue ?? [:] {
                let base = operatorName.hasSuffix("IfExists") ? String(operatorName.dropLast("IfExists".count)) : operatorName
                if !Self.operators.contains(base) { problems.append("the condition operator \(operatorName) is not supported") }
                for (key, values) in block.objectValue ?? [:] {
                    if !Self.knownKeys.contains(key.lowercased()) {
                        problems.append("the condition key \(key) is not available in Portico (it is absent from every request)")
                    }
                    conditions.append(Condition(operator_: operatorName, key: key.lowercased(), values: list(values) ?? []))
                }
            }
            statements.append(Statement(
                allow: effect == "Allow", principals: principals(entry["Principal"]), notPrincipals: principals(entry["NotPrincipal"]),
                actions: list(entry["Action"]), notActions: list(entry["NotAction"]),
                resources: expand(list(entry["Resource"])), notResources: expand(list(entry["NotResource"])), conditions: conditions))
        }
        self.statements = statements
        self.problems = problems
    }

    /// An identity policy's answer for `execute-api:Invoke` on `methodARN`.
    public func allowsInvoke(of methodARN: String) -> Bool {
        evaluate(caller: Caller(principalARN: nil, accountID: nil, sourceIP: ""), methodARN: methodARN, isIdentityPolicy: true) == .allow
    }

    public func evaluate(caller: Caller, methodARN: String, isIdentityPolicy: Bool = false) -> Decision {
        var allowed = false
        for statement in statements where applies(statement, caller: caller, methodARN: methodARN, isIdentityPolicy: isIdentityPolicy) {
            if !statement.allow { return .explicitDeny }
            allowed = true
        }
        return allowed ? .allow : .implicitDeny
    }

    private func applies(_ statement: Statement, caller: Caller, methodARN: String, isIdentityPolicy: Bool) -> Bool {
        func matchesAction(_ pattern: String) -> Bool { pattern == "*" || ARNPattern.matches(pattern.lowercased(), "execute-api:invoke") }
        if let actions = statement.actions, !actions.contains(where: matchesAction) { return false }
        if let notActions = statement.notActions, notActions.contains(where: matchesAction) { return false }
        if let resources = statement.resources, !resources.contains(where: { ARNPattern.matches($0, methodARN) }) { return false }
        if let notResources = statement.notResources, notResources.contains(where: { ARNPattern.matches($0, methodARN) }) { return false }
        if !isIdentityPolicy {
            if let principals = statement.principals, !principals.contains(where: { matchesPrincipal($0, caller) }) { return false }
            if let notPrincipals = statement.notPrincipals, notPrincipals.contains(where: { matchesPrincipal($0, caller) }) { return false }
            if statement.principals == nil, statement.notPrincipals == nil { return false }
        }
        return statement.conditions.allSatisfy { holds($0, caller: caller) }
    }

    /// `*` is anyone; an account id or `arn:aws:iam::ACCOUNT:root` is every principal of the
    /// account; otherwise the principal's ARN. Anonymous callers match only `*`.
    private func matchesPrincipal(_ principal: String, _ caller: Caller) -> Bool {
        if principal == "*" { return true }
        guard let arn = caller.principalARN, let account = caller.accountID else { return false }
        return principal == arn || principal == account || principal == "arn:aws:iam::\(account):root"
    }

    private func holds(_ condition: Condition, caller: Caller) -> Bool {
        var name = condition.operator_
        let ifExists = name.hasSuffix("IfExists")
        if ifExists { name = String(name.dropLast("IfExists".count)) }
        let value: String?
        switch condition.key {
        case "aws:sourceip": value = caller.sourceIP
        case "aws:principalarn": value = caller.principalARN
        case "aws:principalaccount": value = caller.accountID
        case "aws:username": value = caller.principalARN.flatMap { $0.contains(":user/") ? $0.split(separator: "/").last.map(String.init) : nil }
        default: value = nil
        }
        if name == "Null" {
            let wantsAbsent = condition.values.first?.lowercased() == "true"
            return (value == nil) == wantsAbsent
        }
        guard let value else {
            // A key the request lacks: IfExists passes; negated operators hold; the others fail.
            return ifExists || name.hasPrefix("StringNot") || name.hasPrefix("ArnNot") || name == "NotIpAddress"
        }
        switch name {
        case "StringEquals", "ArnEquals": return condition.values.contains(value)
        case "StringNotEquals", "ArnNotEquals": return !condition.values.contains(value)
        case "StringEqualsIgnoreCase": return condition.values.contains { $0.lowercased() == value.lowercased() }
        case "StringNotEqualsIgnoreCase": return !condition.values.contains { $0.lowercased() == value.lowercased() }
        case "StringLike", "ArnLike": return condition.values.contains { ARNPattern.matches($0, value) }
        case "StringNotLike", "ArnNotLike": return !condition.values.contains { ARNPattern.matches($0, value) }
        case "IpAddress": return condition.values.contains { IPRange($0)?.contains(value) ?? false }
        case "NotIpAddress": return !condition.values.contains { IPRange($0)?.contains(value) ?? false }
        default: return false
        }
    }
}
