/// Java regular expressions as templates write them (`replaceAll`, `split`, `matches`), on Swift's
/// Regex. Java's syntax and Swift's agree on what templates use; replacements use `$1` for groups.
struct JavaRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws {
        do {
            regex = try Regex(pattern)
        } catch {
            throw JavaException("invalid regular expression '\(pattern)': \(error)")
        }
    }

    func wholeMatch(_ text: String) -> Bool {
        (try? regex.wholeMatch(in: text)) != nil
    }

    /// Java's replacement: `$n` is group n, `\$` a dollar sign.
    func replace(in text: String, with replacement: String, all: Bool) -> String {
        var result = ""
        var position = text.startIndex
        for match in text.matches(of: regex) {
            result += text[position..<match.range.lowerBound]
            result += expand(replacement, match)
            position = match.range.upperBound
            if !all { break }
        }
        return result + text[position...]
    }

    private func expand(_ replacement: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        var out = ""
        var characters = replacement.makeIterator()
        while let character = characters.next() {
            if character == "\\", let next = characters.next() {
                out.append(next)
            } else if character == "$" {
                var digits = ""
                var lookahead = characters
                while let next = lookahead.next(), next.isASCII, next.isNumber {
                    digits.append(next)
                    characters = lookahead
                    break
                }
                if let group = Int(digits), group < match.output.count {
                    out += match.output[group].substring.map(String.init) ?? ""
                } else {
                    out.append(character)
                    out += digits
                }
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// Java's `split`: trailing empty strings are removed when `limit` is 0.
    func split(_ text: String, limit: Int) -> [String] {
        var parts: [String] = []
        var position = text.startIndex
        for match in text.matches(of: regex) {
            if limit > 0, parts.count == limit - 1 { break }
            if match.range.isEmpty, match.range.lowerBound == text.startIndex { continue }
            parts.append(String(text[position..<match.range.lowerBound]))
            position = match.range.upperBound
        }
        parts.append(String(text[position...]))
        if limit == 0 { while parts.count > 1, parts.last == "" { parts.removeLast() } }
        if parts == [""] && text.isEmpty { return [""] }
        return parts
    }
}
