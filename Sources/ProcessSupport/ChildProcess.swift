import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A child process started with `posix_spawn`: an empty signal mask, default signal handlers,
/// standard input from /dev/null, and no inherited file descriptor but standard output and error.
///
/// Foundation's `Process` is not used: a child spawned from Swift's thread pool inherits a mask
/// that blocks SIGTERM (so it could only be stopped with SIGKILL), and its exit monitoring hung
/// in the tests. Reaping is by `waitpid` on this child's pid only, so other children are left alone.
package final class ChildProcess: Sendable {
    /// Where the child's standard output or error goes.
    package enum Output: Sendable, Hashable {
        /// Ours (the parent's).
        case inherit
        /// /dev/null.
        case discard
        /// Appended to this file, created if missing.
        case file(String)
    }

    /// The child's process id.
    package let pid: pid_t
    private let termination = Mutex<ProcessTermination?>(nil)

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// This executable's path, to start it again (for work that must run in a fresh process).
    package static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The first of the usual system directories that holds an executable `name`, if any.
    package static func findExecutable(_ name: String) -> String? {
        ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", "/sbin", "/bin"]
            .map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `path` with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: The child's whole environment; `nil` passes ours.
    ///   - output: Where standard output goes.
    ///   - error: Where standard error goes; `nil` sends it where standard output goes.
    package static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, output: Output = .inherit, error: Output? = nil
    ) throws -> ChildProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child must not inherit our sockets: a test backend's listening socket held open by
        // a child would keep its port busy after the backend goes down.
        closeInheritedDescriptors(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        redirect(1, to: output, &actions)
        if let error {
            redirect(2, to: error, &actions)
        } else if output != .inherit {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw ProcessSupportError(.spawnFailed, "cannot start \(path): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid)
    }

    /// Runs `path` to its end and returns its standard output and error; throws with them if it
    /// did not exit with 0. For short commands (`ip`, net-snmp's tools): it blocks the calling thread.
    @discardableResult
    package static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("child-output-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let status = try spawn(path, arguments, environment: environment, output: .file(file)).wait()
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        guard status.isSuccess else {
            throw ProcessSupportError(.commandFailed, "`\(([path] + arguments).joined(separator: " "))` ended with \(status): \(text)")
        }
        return text
    }

    /// True until the process has exited (reaps it when it has).
    package var isRunning: Bool {
        termination.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = ProcessTermination(raw: raw)
                return false
            }
            return true
        }
    }

    /// Waits for the process to exit, blocking the calling thread.
    @discardableResult
    package func wait() -> ProcessTermination {
        termination.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            let exited = ProcessTermination(raw: raw)
            status = exited
            return exited
        }
    }

    /// Waits for the process to exit, polling, so that no thread of the pool is blocked.
    @discardableResult
    package func waitForExit() async -> ProcessTermination {
        while isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return wait()
    }

    /// Sends `signal` to the process.
    package func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// SIGTERM, then SIGKILL if the process has not exited after `grace`; always reaps it.
    /// Blocks the calling thread (for use in `defer` and other synchronous places).
    package func terminate(grace: Duration = .seconds(2)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline {
            usleep(10_000)
        }
        if isRunning { kill(pid, SIGKILL) }
        wait()
    }

    /// Waits for the process to exit for at most `timeout`, polling like ``waitForExit()``: its
    /// termination, or nil if it is still running.
    package func termination(within timeout: Duration) async -> ProcessTermination? {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return wait()
    }

    /// SIGTERM, then SIGKILL if the process has not exited after `grace`; always reaps it.
    package func terminate(grace: Duration = .seconds(2)) async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        guard await termination(within: grace) == nil else { return }
        kill(pid, SIGKILL)
        await waitForExit()
    }

    /// CPU time the process has used so far, from `/proc/<pid>/stat` (utime + stime); 0 when unreadable.
    package var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func redirect(_ descriptor: Int32, to output: Output, _ actions: inout posix_spawn_file_actions_t) {
        switch output {
        case .inherit: break
        case .discard: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
    }

    /// Closes every descriptor from 3 up in the child: glibc 2.34+ does it in one action (not
    /// exported by the Glibc module, so looked up at run time); elsewhere the ones open now are
    /// listed from /proc/self/fd (glibc ignores a close action on a descriptor closed since).
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            if unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }
}
