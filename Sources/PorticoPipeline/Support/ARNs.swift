/// The ARNs API Gateway names its APIs and methods by, with Portico's fixed region and account.
public enum ARNs {
    public static let region = "us-east-1"
    public static let account = "123456789012"

    /// `arn:aws:execute-api:us-east-1:123456789012:{apiId}`.
    public static func api(_ apiID: String) -> String { "arn:aws:execute-api:\(region):\(account):\(apiID)" }

    /// `…:{apiId}/{stage}/{METHOD}/{path without its leading slash}`.
    public static func method(apiID: String, stage: String, method: String, path: Substring) -> String {
        let resource = path.hasPrefix("/") ? path.dropFirst() : path
        return "\(api(apiID))/\(stage)/\(method)/\(resource)"
    }

    /// The ARN as IAM's messages print it: the account masked but for its last four digits.
    public static func masked(_ arn: String) -> String {
        let plain = ":\(account):"
        guard let range = arn.firstRange(of: plain) else { return arn }
        var masked = arn
        masked.replaceSubrange(range, with: ":********\(account.suffix(4)):")
        return masked
    }
}
