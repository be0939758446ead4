import PorticoModel

/// The SQL-injection and cross-site-scripting match statements: the text after the rule's
/// transformations, then (always) lower-cased with white space compressed, against signatures of
/// the common attack shapes. Compiled once.
enum WAFSignatures {
    static func transform(_ bytes: [UInt8], _ transformations: [WAFRule.Transformation]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        for transformation in transformations {
            switch transformation {
            case .urlDecode: text = PercentEncoding.decode(Substring(text), plusAsSpace: true) ?? text
            case .htmlEntityDecode: text = decodeEntities(text)
            case .lowercase: text = text.lowercased()
            case .compressWhiteSpace: text = compress(text)
            }
        }
        return compress(text.lowercased())
    }

    nonisolated(unsafe) static let sqlPatterns: [Regex<AnyRegexOutput>] = [
        #"['"`]\s*(or|and|xor|\|\||&&)\s*['"`]?\s*[\w'"`]+\s*['"`]?\s*(=|<|>|like\b|is\b)"#,
        #"['"`]\s*(or|and)\s+(true|false|not\b|\d)"#,
        #"\b(or|and)\s+(\d+)\s*=\s*\2\b"#,
        #"\bunion(\s+all|\s+distinct)?\s+select\b"#,
        #";\s*(drop|delete|insert|update|alter|create|truncate|shutdown|exec|execute|declare)\b"#,
        #"['"`)]\s*(--|#|/\*)"#,
        #"\bselect\b.{1,200}\bfrom\b"#,
        #"\b(sleep|benchmark|pg_sleep|load_file)\s*\("#,
        #"\bwaitfor\s+delay\b"#,
        #"\b(information_schema|xp_cmdshell|sysobjects|@@version)\b"#,
        #"\binto\s+(out|dump)file\b"#,
        #"\b(insert\s+into|delete\s+from|drop\s+(table|database))\b"#,
    ].map { try! Regex($0) }

    nonisolated(unsafe) static let xssPatterns: [Regex<AnyRegexOutput>] = [
        #"<\s*/?\s*script\b"#,
        #"\b(javascript|vbscript|livescript)\s*:"#,
        #"<\s*(iframe|frame|object|embed|applet|meta|base|link|svg|math)\b"#,
        #"<[^>]*\bon[a-z]{3,20}\s*="#,
        #"\bon(error|load|click|mouseover|mouseout|focus|blur|submit|change|keydown|keyup|input|toggle|animationstart)\s*="#,
        #"\bdocument\s*\.\s*(cookie|write|location)\b"#,
        #"\bexpression\s*\("#,
        #"\bsrc\s*=\s*['"]?\s*data\s*:\s*text/html"#,
        #"<\s*img\b[^>]*\bsrc\s*=[^>]*\bon"#,
    ].map { try! Regex($0) }

    static func isSQLInjection(_ text: String) -> Bool {
        sqlPatterns.contains { text.contains($0) }
    }

    static func isCrossSiteScripting(_ text: String) -> Bool {
        xssPatterns.contains { text.contains($0) }
    }

    static func compress(_ text: String) -> String {
        var out = ""
        var space = false
        for character in text {
            if character.isWhitespace {
                if !space { out.append(" ") }
                space = true
            } else {
                out.append(character)
                space = false
            }
        }
        return out
    }

    /// `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, `&nbsp;`, `&#NN;` and `&#xNN;`.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named: [Substring: String] = ["lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'", "nbsp": " "]
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semicolon = after.prefix(10).firstIndex(of: ";") {
                let name = after[..<semicolon]
                var replacement: String?
                if let value = named[name] {
                    replacement = value
                } else if name.hasPrefix("#x") || name.hasPrefix("#X"), let code = UInt32(name.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                    replacement = String(Character(scalar))
                } else if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
                    replacement = String(Character(scalar))
                }
                if let replacement {
                    out += replacement
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        return out + rest
    }
}
