#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starts the engine's dedicated I/O thread.
///
/// The loop blocks in `poll(2)`, which must not happen on Swift's cooperative pool (it has only
/// as many threads as cores). The thread is detached; ``ICMPEchoEngine/run()`` owns its lifetime by
/// waiting for the body's completion signal and stopping it on cancellation.
package enum IOThread {
    /// Carries the body through `pthread_create`'s untyped argument.
    private final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    package static func start(_ body: @escaping @Sendable () -> Void) throws(ICMPEchoError) {
        let box = Unmanaged.passRetained(Box(body))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw .system(.socketFailure, "cannot start the ICMP echo I/O thread", errno: result)
        }
        pthread_detach(thread)
    }
}
