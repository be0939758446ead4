#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calendar arithmetic for the few timestamps the data plane prints (the `Date` header, access
/// log times), without Foundation formatters on the request path.
public struct CivilTime: Sendable, Hashable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int

    /// UTC fields of a Unix time in seconds (Howard Hinnant's days-to-civil algorithm).
    public init(epochSeconds: Int64) {
        let days = Int(epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400)
        let secondsOfDay = Int(epochSeconds - Int64(days) * 86_400)
        hour = secondsOfDay / 3600
        minute = secondsOfDay % 3600 / 60
        second = secondsOfDay % 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday; 0 = Sunday
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 9110 IMF-fixdate: `Sun, 22 Nov 2026 08:49:37 GMT`.
    /// `May 28 12:30:02 2019 GMT` (OpenSSL's way of printing a certificate's validity).
    public var certificateTime: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = self.day < 10 ? " \(self.day)" : "\(self.day)"
        return "\(Self.months[month - 1]) \(day) \(two(hour)):\(two(minute)):\(two(second)) \(year) GMT"
    }

    public var httpDate: String {
        "\(Self.weekdays[weekday]), \(pad(day)) \(Self.months[month - 1]) \(year) \(pad(hour)):\(pad(minute)):\(pad(second)) GMT"
    }

    /// `$context.requestTime`'s CLF form: `22/Nov/2026:08:49:37 +0000`.
    public var commonLogFormat: String {
        "\(pad(day))/\(Self.months[month - 1])/\(year):\(pad(hour)):\(pad(minute)):\(pad(second)) +0000"
    }

    /// SigV4's `X-Amz-Date` form: `20261122T084937Z`.
    public var amzDate: String {
        "\(year)\(pad(month))\(pad(day))T\(pad(hour))\(pad(minute))\(pad(second))Z"
    }

    public static func amzDate(_ epochSeconds: Int64) -> String { CivilTime(epochSeconds: epochSeconds).amzDate }

    /// Seconds since the epoch of a UTC civil time (the inverse of `init(epochSeconds:)`).
    public static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}

/// The wall clock, for what is dated (quota periods, usage days).
public enum WallClock {
    /// Unix time in milliseconds.
    public static func epochMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
