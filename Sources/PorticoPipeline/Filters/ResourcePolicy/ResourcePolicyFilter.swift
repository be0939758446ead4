/// The resource policy filter: the API's policy evaluated for the caller, combined with the
/// route's authorization as AWS's policy-evaluation tables say.
public enum ResourcePolicyFilter {
    /// A refusal, or nil to go on. `caller` is the IAM identity of a signed request (nil: anonymous).
    /// `authorizerDecides`: a Lambda or Cognito authorizer follows, which may allow what the policy
    /// neither allows nor denies.
    static func check(
        _ policy: PolicyDocument, caller: IAMIdentity?, sourceIP: String, methodARN: String, authorizerDecides: Bool = false
    ) -> Pipeline.Decision? {
        let facts = PolicyDocument.Caller(principalARN: caller?.userARN, accountID: caller?.accountID, sourceIP: sourceIP)
        let user = caller?.userARN ?? "anonymous"
        let message = "User: \(user) is not authorized to perform: execute-api:Invoke on resource: \(ARNs.masked(methodARN))"
        switch policy.evaluate(caller: facts, methodARN: methodARN) {
        case .allow:
            return nil
        case .explicitDeny:
            return .reject(.resourcePolicyDenied, message: message + " with an explicit deny", validationErrors: "")
        case .implicitDeny:
            // A signed caller of the API's own account is allowed by its identity policy (checked
            // before); an authorizer decides for the others it guards.
            if caller?.accountID == ARNs.account || authorizerDecides { return nil }
            return .reject(.resourcePolicyDenied, message: message, validationErrors: "")
        }
    }
}
