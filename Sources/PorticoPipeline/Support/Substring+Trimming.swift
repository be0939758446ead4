extension Substring {
    /// Without leading and trailing spaces and tabs (header values, list items).
    func trimmingSpaces() -> String {
        var slice = self
        while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
        while slice.last == " " || slice.last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
