import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A child process started with `posix_spawn`, with an empty signal mask and default handlers.
///
/// Foundation's `Process` is avoided: a child spawned from Swift's thread pool inherits a signal
/// mask that blocks SIGTERM, so it could not be stopped.
final class ChildProcess: Sendable {
    let pid: pid_t
    private let exitStatus = Mutex<Int32?>(nil)

    /// This executable's path, to start it again for a part that must run in a fresh process.
    static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private init(pid: pid_t) {
        self.pid = pid
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `path`. Standard output and error go to `outputPath` when given, else to ours.
    static func spawn(_ path: String, _ arguments: [String], environment: [String: String]? = nil, outputPath: String? = nil) throws -> ChildProcess {
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
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let outputPath {
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
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
            throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid)
    }

    /// True until the process has exited (reaps it when it has).
    var isRunning: Bool {
        exitStatus.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = raw
                return false
            }
            return true
        }
    }

    /// Waits for the process to exit, polling so that no thread of the pool blocks; returns its
    /// exit code (128 + signal when killed).
    func waitForExit() async -> Int32 {
        while isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let raw = exitStatus.withLock { $0 } ?? 0
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    /// Sends SIGTERM, then SIGKILL if the process has not exited after a second.
    func terminate() async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<20 where isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if isRunning {
            kill(pid, SIGKILL)
            _ = await waitForExit()
        }
    }
}
