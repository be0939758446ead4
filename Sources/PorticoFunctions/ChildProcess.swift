import Foundation

/// Starting and reaping child processes with `posix_spawn`: an empty signal mask and default
/// dispositions (the starting thread may block signals, and Foundation's `Process` passes that
/// on, which left children deaf to SIGTERM).
public enum ChildProcess {
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `command` (looked up on PATH) in `directory` with exactly `environment`. With
    /// `output`, the child's stdout and stderr go to that file descriptor.
    public static func spawn(_ command: [String], directory: String?, environment: [String: String], output: Int32? = nil) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output, STDOUT_FILENO)
            posix_spawn_file_actions_adddup2(&actions, output, STDERR_FILENO)
            posix_spawn_file_actions_addclose(&actions, output)
        }
        // The child gets stdin, stdout and stderr only: an inherited client socket would stay open
        // in it after Portico closed the connection (a WebSocket client would wait for the FIN).
        if let closeFrom = closeFrom {
            _ = closeFrom(&actions, 3)
        } else {
            markOpenDescriptorsCloseOnExec()
        }
        // `env -C` changes directory (Glibc's posix_spawn_file_actions_addchdir_np is not visible here).
        let prefix = ["/usr/bin/env"] + (directory.map { ["-C", $0] } ?? [])
        let arguments = (prefix + command).map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, arguments, variables)
        guard result == 0 else { throw StartError(description: "cannot start \(command.joined(separator: " ")): \(String(cString: strerror(result)))") }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not show.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()

    /// Without `addclosefrom`: every open descriptor above stderr is marked close-on-exec.
    private static func markOpenDescriptorsCloseOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// The child's exit status if it has exited (reaping it), nil while it runs.
    public static func exitStatus(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result == pid { return (status >> 8) & 0xFF }
        return -1  // already reaped elsewhere (ECHILD): gone all the same
    }

    /// Blocks until the child exits; its status (128 + signal when killed by one).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        if status & 0x7F != 0 { return 128 + (status & 0x7F) }
        return (status >> 8) & 0xFF
    }
}
