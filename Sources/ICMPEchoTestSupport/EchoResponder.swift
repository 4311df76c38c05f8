import Foundation
import Synchronization
import ICMPEcho

/// Answers ICMP echo requests inside a ``TestNamespace`` from user space, in place of the
/// namespace's kernel (which is told to ignore them), so a test decides per request whether the
/// reply is dropped or delayed — deterministic loss and late replies without `tc netem`.
///
/// The responder runs on its own thread, which joins the namespace (`setns`) to open its raw socket.
public final class EchoResponder: Sendable {
    /// For the n-th request received (from 0): the delay before replying, or `nil` to drop it.
    public typealias Policy = @Sendable (_ requestNumber: Int) -> Duration?

    private struct ThreadState {
        var started: CheckedContinuation<Void, any Error>?
        var finished: CheckedContinuation<Void, Never>?
        var isFinished = false
    }

    private let namespace: TestNamespace
    private let policy: Policy
    private let stopRequested = Atomic<Bool>(false)
    private let requests = Atomic<Int>(0)
    private let threadState = Mutex(ThreadState())

    private init(namespace: TestNamespace, policy: @escaping Policy) {
        self.namespace = namespace
        self.policy = policy
    }

    /// How many echo requests the responder has seen.
    public var requestCount: Int { requests.load(ordering: .relaxed) }

    /// Silences the namespace's kernel, answers with `policy` while `body` runs, then stops.
    public static func with<R>(in namespace: TestNamespace, policy: @escaping Policy, _ body: (EchoResponder) async throws -> R) async throws -> R {
        try namespace.ignoreEchoRequests(true)
        let responder = EchoResponder(namespace: namespace, policy: policy)
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            responder.threadState.withLock { $0.started = started }
            do {
                try IOThread.start { responder.threadMain() }
            } catch {
                responder.threadState.withLock { $0.started = nil }
                started.resume(throwing: error)
            }
        }
        do {
            let result = try await body(responder)
            await responder.stop()
            return result
        } catch {
            await responder.stop()
            throw error
        }
    }

    private func stop() async {
        stopRequested.store(true, ordering: .relaxed)
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            let done = threadState.withLock { state in
                if state.isFinished { return true }
                state.finished = finished
                return false
            }
            if done { finished.resume() }
        }
    }

    private func threadMain() {
        let opened = openSocketInNamespace()
        let started = threadState.withLock { state in
            defer { state.started = nil }
            return state.started
        }
        switch opened {
        case .success(let descriptor):
            started?.resume()
            serve(descriptor)
            close(descriptor)
        case .failure(let error):
            started?.resume(throwing: error)
        }
        let finished = threadState.withLock { state in
            state.isFinished = true
            defer { state.finished = nil }
            return state.finished
        }
        finished?.resume()
    }

    private func openSocketInNamespace() -> Result<Int32, CommandError> {
        typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
        let cloneNewNet: Int32 = 0x4000_0000
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else {
            return .failure(CommandError(command: "dlsym(setns)", status: -1, output: "setns not found"))
        }
        let setNamespace = unsafeBitCast(symbol, to: SetNamespace.self)
        let namespaceFile = open("/var/run/netns/\(namespace.name)", O_RDONLY)
        guard namespaceFile >= 0 else {
            return .failure(CommandError(command: "open /var/run/netns/\(namespace.name)", status: errno, output: ""))
        }
        defer { close(namespaceFile) }
        // Only this thread moves into the namespace; it never runs anything else.
        guard setNamespace(namespaceFile, cloneNewNet) == 0 else {
            return .failure(CommandError(command: "setns(\(namespace.name))", status: errno, output: ""))
        }
        let descriptor = socket(AF_INET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue), Int32(IPPROTO_ICMP))
        guard descriptor >= 0 else {
            return .failure(CommandError(command: "socket(SOCK_RAW) in \(namespace.name)", status: errno, output: ""))
        }
        return .success(descriptor)
    }

    /// The ICMP message a host answers to an ICMP echo `request` (no IP header): type 0 (echo
    /// reply), the rest as it came, checksum recomputed.
    public static func reply(to request: [UInt8]) -> [UInt8] {
        var reply = request
        reply[0] = 0
        reply[2] = 0
        reply[3] = 0
        let sum = reply.withUnsafeBytes { EchoPacket.checksum($0) }
        reply[2] = UInt8(sum >> 8)
        reply[3] = UInt8(sum & 0xFF)
        return reply
    }

    private func serve(_ descriptor: Int32) {
        var pending: [(due: Int64, reply: [UInt8], destination: UInt32)] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopRequested.load(ordering: .relaxed) {
            var timeout: Int32 = 20
            if let due = pending.map(\.due).min() {
                timeout = Int32(clamping: max(0, min(20, (due - MonotonicTime.now() + 999_999) / 1_000_000)))
            }
            var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptorSet, 1, timeout)
            while true {
                let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                guard count > 0 else { break }
                let headerLength = Int(buffer[0] & 0x0F) * 4
                guard count >= headerLength + 8, buffer[headerLength] == 8 else { continue }
                let number = requests.wrappingAdd(1, ordering: .relaxed).oldValue
                guard let delay = policy(number) else { continue }
                let reply = Self.reply(to: Array(buffer[headerLength ..< count]))
                let source = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self) }
                pending.append((MonotonicTime.now() + delay.clampedNanoseconds, reply, source))
            }
            let now = MonotonicTime.now()
            for item in pending where item.due <= now {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr = in_addr(s_addr: item.destination)
                _ = item.reply.withUnsafeBytes { bytes in
                    withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                }
            }
            pending.removeAll { $0.due <= now }
        }
    }
}
