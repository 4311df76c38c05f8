#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// The engine's I/O loop: sends queued requests, reads and matches replies, expires deadlines.
///
/// Created and run on the dedicated I/O thread and confined to it, so the slot tables, the
/// deadline heap and the buffers need no locking; only ``EngineState`` is shared.
///
/// Ordering rule that keeps timeouts exact: a probe is expired only after every socket was read
/// empty at a moment later than its deadline, and a reply counts when the kernel's receive
/// timestamp (translated to the monotonic clock) is not after the deadline. So neither a busy loop
/// nor a late wake-up turns a timely reply into a loss.
final class EchoLoop {
    private struct Arrival {
        var token: UInt64
        var receivedAt: Int64
        var source: ICMPEchoAddress
        var identifier: UInt16
        var sequence: UInt16
        var timeToLive: UInt8?
    }

    private enum SendOutcome {
        case sent(sentAt: Int64, deadline: Int64)
        case failed(ICMPEchoError)
        case requeue
    }

    private enum Completion {
        case reply(CheckedContinuation<EchoReply?, any Error>, EchoReply)
        case timeout(CheckedContinuation<EchoReply?, any Error>)
        case failure(CheckedContinuation<EchoReply?, any Error>, ICMPEchoError)
    }

    /// Replies read from one socket before giving the other work a turn.
    private static let receiveBudget = 2048
    /// Requests sent per turn.
    private static let sendBudget = 512
    private static let receiveBufferSize = 65_536
    private static let controlBufferSize = 256

    private let engine: ICMPEchoEngine
    private let families: [FamilySockets]
    private var slots: [SlotTable]
    private var deadlines = DeadlineHeap()
    private let lateWindow: Int64
    private let payloadSize: Int

    /// `pollDescriptors[0]` is the wake-up pipe; entry `i + 1` belongs to `socketRefs[i]`.
    private var pollDescriptors: [pollfd]
    private let socketRefs: [(family: Int, socket: Int)]

    private let sendBuffer: UnsafeMutableRawBufferPointer
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    private let controlBuffer: UnsafeMutableRawBufferPointer
    private let nameBuffer: UnsafeMutablePointer<sockaddr_storage>
    private let ioVector: UnsafeMutablePointer<iovec>

    private var completions: [Completion] = []
    private var moreQueued = false
    private var lastDrainComplete = true
    private var writeBlocked = false
    private var sendBackoffUntil: Int64 = .min

    init(engine: ICMPEchoEngine) {
        self.engine = engine
        families = engine.resources.allFamilies
        slots = families.map { SlotTable(laneCount: $0.lanes.count) }
        lateWindow = engine.configuration.lateReplyWindow.clampedNanoseconds
        payloadSize = engine.configuration.payloadSize

        var descriptors = [pollfd(fd: engine.resources.wakeup.readEnd, events: Int16(POLLIN), revents: 0)]
        var refs: [(family: Int, socket: Int)] = []
        for (familyIndex, family) in families.enumerated() {
            for (socketIndex, socket) in family.sockets.enumerated() {
                descriptors.append(pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0))
                refs.append((familyIndex, socketIndex))
            }
        }
        pollDescriptors = descriptors
        socketRefs = refs

        sendBuffer = .allocate(byteCount: EchoPacket.headerSize + payloadSize, alignment: 8)
        receiveBuffer = .allocate(byteCount: Self.receiveBufferSize, alignment: 8)
        controlBuffer = .allocate(byteCount: Self.controlBufferSize, alignment: 8)
        nameBuffer = .allocate(capacity: 1)
        ioVector = .allocate(capacity: 1)
    }

    deinit {
        sendBuffer.deallocate()
        receiveBuffer.deallocate()
        controlBuffer.deallocate()
        nameBuffer.deallocate()
        ioVector.deallocate()
    }

    /// Loops until the engine is asked to stop, then fails what is still pending.
    func run() {
        while true {
            let timeout = pollTimeout()
            if poll(&pollDescriptors, nfds_t(pollDescriptors.count), timeout) < 0, errno != EINTR {
                engine.logger.error("poll failed in the ICMP echo loop", metadata: ["error": "\(systemErrorDescription(errno))"])
            }
            if pollDescriptors[0].revents != 0 {
                engine.resources.wakeup.drain()
            }
            let stop = receiveAndExpire()
            resumeCompletions()
            if stop { break }
            sendQueued()
            resumeCompletions()
        }
        Self.failRemainingProbes(of: engine)
    }

    /// Marks the engine stopped and fails every probe still pending.
    static func failRemainingProbes(of engine: ICMPEchoEngine) {
        let continuations = engine.state.withLock { state in
            state.lifecycle = .stopped
            let continuations = state.probes.values.map(\.continuation)
            state.probes.removeAll()
            state.sendQueue.removeAll()
            return continuations
        }
        let error = ICMPEchoError(code: .shutDown, message: "the ICMP echo engine stopped before the probe completed")
        for continuation in continuations {
            continuation.resume(throwing: error)
        }
    }

    // MARK: Scheduling

    private func pollTimeout() -> Int32 {
        let now = MonotonicTime.now()
        if !lastDrainComplete { return 0 }
        if moreQueued, !writeBlocked {
            if sendBackoffUntil <= now { return 0 }
        }
        var wakeAt = Int64.max
        if moreQueued, !writeBlocked { wakeAt = sendBackoffUntil }
        if let earliest = deadlines.earliest {
            // Expiry needs a read-everything moment strictly after the deadline.
            wakeAt = min(wakeAt, earliest.saturatingAdd(1))
        }
        guard wakeAt != .max else { return -1 }
        let remaining = wakeAt - now
        if remaining <= 0 { return 0 }
        return Int32(clamping: remaining / 1_000_000 + 1)
    }

    // MARK: Receiving and expiring

    /// Reads the sockets, matches replies, expires deadlines; returns whether to stop.
    private func receiveAndExpire() -> Bool {
        let checkpoint = MonotonicTime.now()
        // Translates the kernel's wall-clock receive timestamps onto the monotonic clock.
        let realtimeToMonotonic = checkpoint &- MonotonicTime.realtimeNow()
        let mustReadAll = (deadlines.earliest ?? .max) < checkpoint
        var arrivals: [Arrival] = []
        var ignored = 0
        var late = 0
        var drainedAll = true
        for (index, ref) in socketRefs.enumerated() {
            let events = pollDescriptors[index + 1].revents
            if events & Int16(POLLOUT) != 0 {
                writeBlocked = false
                pollDescriptors[index + 1].events = Int16(POLLIN)
            }
            guard mustReadAll || events & Int16(POLLIN | POLLERR) != 0 else { continue }
            let drained = receive(
                from: ref, into: &arrivals, ignored: &ignored, late: &late, realtimeToMonotonic: realtimeToMonotonic
            )
            drainedAll = drainedAll && drained
        }
        lastDrainComplete = drainedAll

        var expired: [DeadlineHeap.Entry] = []
        if drainedAll {
            while let entry = deadlines.popExpired(now: checkpoint &- 1) { expired.append(entry) }
        }

        let (stop, before, after) = engine.state.withLock { state in
            let before = state.statistics
            for arrival in arrivals {
                guard let probe = state.probes[arrival.token], case .inFlight(let sentAt, let deadline) = probe.phase else {
                    late += 1
                    continue
                }
                state.probes[arrival.token] = nil
                let receivedAt = max(arrival.receivedAt, sentAt)
                if receivedAt <= deadline {
                    state.statistics.repliesMatched += 1
                    completions.append(.reply(probe.continuation, EchoReply(
                        source: arrival.source,
                        roundTripTime: .nanoseconds(receivedAt - sentAt),
                        identifier: arrival.identifier,
                        sequence: arrival.sequence,
                        timeToLive: arrival.timeToLive
                    )))
                } else {
                    late += 1
                    state.statistics.timeouts += 1
                    completions.append(.timeout(probe.continuation))
                }
            }
            for entry in expired {
                guard let probe = state.probes[entry.probe], case .inFlight(_, let deadline) = probe.phase,
                      deadline == entry.deadline else { continue }
                state.probes[entry.probe] = nil
                state.statistics.timeouts += 1
                completions.append(.timeout(probe.continuation))
            }
            state.statistics.lateReplies += late
            state.statistics.ignoredPackets += ignored
            var after = state.statistics
            after.pendingProbes = state.probes.count
            let stop: Bool
            if case .stopping = state.lifecycle { stop = true } else { stop = false }
            return (stop, before, after)
        }
        recordMetrics(from: before, to: after)
        return stop
    }

    /// Reads one socket until it is empty (returns `true`) or the budget is spent (`false`).
    private func receive(
        from ref: (family: Int, socket: Int),
        into arrivals: inout [Arrival],
        ignored: inout Int,
        late: inout Int,
        realtimeToMonotonic: Int64
    ) -> Bool {
        let family = families[ref.family]
        let socket = family.sockets[ref.socket]
        for _ in 0 ..< Self.receiveBudget {
            ioVector.pointee = iovec(iov_base: receiveBuffer.baseAddress, iov_len: receiveBuffer.count)
            var message = msghdr()
            message.msg_name = UnsafeMutableRawPointer(nameBuffer)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            message.msg_iov = ioVector
            message.msg_iovlen = 1
            message.msg_control = controlBuffer.baseAddress
            message.msg_controllen = controlBuffer.count
            let count = recvmsg(socket.descriptor, &message, Int32(MSG_DONTWAIT))
            if count < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    return true
                case EINTR, ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN, EPROTO:
                    // A pending socket error reported (and cleared) by this read; keep reading.
                    continue
                default:
                    engine.logger.error("receiving from an ICMP socket failed", metadata: [
                        "socket": "\(ICMPSocket.describe(family.family, family.kind))",
                        "error": "\(systemErrorDescription(errno))",
                    ])
                    return true
                }
            }
            let readAt = MonotonicTime.now()
            guard message.msg_flags & Int32(MSG_TRUNC) == 0 else {
                ignored += 1
                continue
            }
            let bytes = UnsafeRawBufferPointer(rebasing: receiveBuffer[0 ..< count])
            let parsed = EchoPacket.parseReply(
                bytes, family: family.family, includesIPHeader: socket.includesIPHeader,
                payloadSize: payloadSize, nonce: engine.nonce
            )
            guard case .success(let reply) = parsed,
                  let laneIndex = family.laneByIdentifier[reply.identifier],
                  family.lanes[laneIndex].socketIndex == ref.socket,
                  let source = sourceAddress(family: family.family)
            else {
                ignored += 1
                continue
            }
            guard slots[ref.family].owner(lane: laneIndex, sequence: reply.sequence) == reply.token else {
                // Ours (the nonce matched) but its slot has moved on: a reply older than the window.
                late += 1
                continue
            }
            var receivedAt = readAt
            if let kernelTime = kernelReceiveTime(controlLength: Int(message.msg_controllen)) {
                receivedAt = min(readAt, kernelTime &+ realtimeToMonotonic)
            }
            arrivals.append(Arrival(
                token: reply.token, receivedAt: receivedAt, source: source,
                identifier: reply.identifier, sequence: reply.sequence, timeToLive: reply.timeToLive
            ))
        }
        return false
    }

    private func sourceAddress(family: ICMPEchoAddress.Family) -> ICMPEchoAddress? {
        switch family {
        case .ipv4:
            guard nameBuffer.pointee.ss_family == sa_family_t(AF_INET) else { return nil }
            let address = UnsafeRawPointer(nameBuffer).load(as: sockaddr_in.self)
            return ICMPEchoAddress(storage: .v4(address.sin_addr.s_addr))
        case .ipv6:
            guard nameBuffer.pointee.ss_family == sa_family_t(AF_INET6) else { return nil }
            let address = UnsafeRawPointer(nameBuffer).load(as: sockaddr_in6.self)
            return ICMPEchoAddress(in6: address.sin6_addr)
        }
    }

    /// The `SCM_TIMESTAMPNS` receive time (wall clock, nanoseconds) from the control messages.
    private func kernelReceiveTime(controlLength: Int) -> Int64? {
        let headerSize = MemoryLayout<cmsghdr>.size
        let alignment = MemoryLayout<Int>.size
        func align(_ value: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }
        var offset = 0
        let limit = min(controlLength, controlBuffer.count)
        while offset + headerSize <= limit {
            let header = UnsafeRawPointer(controlBuffer.baseAddress! + offset).load(as: cmsghdr.self)
            let length = Int(header.cmsg_len)
            guard length >= headerSize, offset + length <= limit else { return nil }
            let dataOffset = offset + align(headerSize)
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == SCM_TIMESTAMPNS,
               dataOffset + MemoryLayout<timespec>.size <= offset + length {
                let time = UnsafeRawPointer(controlBuffer.baseAddress! + dataOffset).loadUnaligned(as: timespec.self)
                return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
            }
            offset += align(length)
        }
        return nil
    }

    // MARK: Sending

    private func sendQueued() {
        guard !writeBlocked, sendBackoffUntil <= MonotonicTime.now() else { return }
        sendBackoffUntil = .min
        let budget = Self.sendBudget
        let batch: [(token: UInt64, target: ICMPEchoAddress, timeout: Int64)] = engine.state.withLock { state in
            state.wakeupPending = false
            var batch: [(token: UInt64, target: ICMPEchoAddress, timeout: Int64)] = []
            while batch.count < budget, let token = state.sendQueue.popFirst() {
                guard var probe = state.probes[token], case .queued = probe.phase else { continue }
                probe.phase = .sending
                state.probes[token] = probe
                batch.append((token, probe.target, probe.timeoutNanoseconds))
            }
            return batch
        }
        guard !batch.isEmpty else {
            moreQueued = false
            return
        }

        var outcomes: [SendOutcome] = []
        outcomes.reserveCapacity(batch.count)
        for item in batch {
            if writeBlocked || sendBackoffUntil != .min {
                outcomes.append(.requeue)
            } else {
                outcomes.append(send(token: item.token, to: item.target, timeout: item.timeout))
            }
        }

        let (more, before, after) = engine.state.withLock { state in
            let before = state.statistics
            for (item, outcome) in zip(batch, outcomes).reversed() {
                guard var probe = state.probes[item.token] else { continue }
                switch outcome {
                case .sent(let sentAt, let deadline):
                    probe.phase = .inFlight(sentAt: sentAt, deadline: deadline)
                    state.probes[item.token] = probe
                    state.statistics.requestsSent += 1
                case .failed(let error):
                    state.probes[item.token] = nil
                    state.statistics.sendFailures += 1
                    completions.append(.failure(probe.continuation, error))
                case .requeue:
                    probe.phase = .queued
                    state.probes[item.token] = probe
                    state.sendQueue.prepend(item.token)
                }
            }
            var after = state.statistics
            after.pendingProbes = state.probes.count
            return (!state.sendQueue.isEmpty, before, after)
        }
        moreQueued = more
        recordMetrics(from: before, to: after)
    }

    private func send(token: UInt64, to target: ICMPEchoAddress, timeout: Int64) -> SendOutcome {
        guard let familyIndex = families.firstIndex(where: { $0.family == target.family }) else {
            return .failed(ICMPEchoError(code: .addressFamilyUnavailable, message: "cannot probe \(target): this engine has no \(target.family) socket"))
        }
        let family = families[familyIndex]
        let now = MonotonicTime.now()
        guard let slot = slots[familyIndex].reserve(
            owner: token, now: now, until: now.saturatingAdd(timeout).saturatingAdd(lateWindow)
        ) else {
            return .failed(ICMPEchoError(
                code: .tooManyPendingProbes,
                message: "cannot probe \(target): all \(slots[familyIndex].capacity) \(family.family) identifier/sequence pairs are reserved for pending or possibly late replies; raise identifiersPerFamily or lower lateReplyWindow"
            ))
        }
        let lane = family.lanes[slot.lane]
        let socket = family.sockets[lane.socketIndex]
        EchoPacket.writeRequest(
            into: sendBuffer, family: family.family, identifier: lane.identifier,
            sequence: slot.sequence, nonce: engine.nonce, token: token
        )
        while true {
            let sentAt = MonotonicTime.now()
            let result = withSocketAddress(of: target) { address, length in
                sendto(socket.descriptor, sendBuffer.baseAddress, sendBuffer.count, Int32(MSG_DONTWAIT), address, length)
            }
            if result >= 0 {
                let deadline = sentAt.saturatingAdd(timeout)
                deadlines.insert(deadline: deadline, probe: token)
                return .sent(sentAt: sentAt, deadline: deadline)
            }
            let number = errno
            switch number {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                slots[familyIndex].release(slot)
                writeBlocked = true
                if let index = socketRefs.firstIndex(where: { $0.family == familyIndex && $0.socket == lane.socketIndex }) {
                    pollDescriptors[index + 1].events = Int16(POLLIN | POLLOUT)
                }
                return .requeue
            case ENOBUFS:
                slots[familyIndex].release(slot)
                sendBackoffUntil = MonotonicTime.now() &+ 1_000_000
                return .requeue
            default:
                slots[familyIndex].release(slot)
                engine.logger.debug("echo request not sent", metadata: ["target": "\(target)", "error": "\(systemErrorDescription(number))"])
                return .failed(.system(.sendFailed, "cannot send an echo request to \(target)", errno: number))
            }
        }
    }

    private func withSocketAddress<R>(of target: ICMPEchoAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch target.storage {
        case .v4(let raw):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr = in_addr(s_addr: raw)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = target.in6Address
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    // MARK: Completion

    private func resumeCompletions() {
        guard !completions.isEmpty else { return }
        let done = completions
        completions.removeAll(keepingCapacity: true)
        for completion in done {
            switch completion {
            case .reply(let continuation, let reply):
                engine.metrics.roundTripTime.recordNanoseconds(reply.roundTripTime.clampedNanoseconds)
                continuation.resume(returning: reply)
            case .timeout(let continuation):
                continuation.resume(returning: nil)
            case .failure(let continuation, let error):
                continuation.resume(throwing: error)
            }
        }
    }

    private func recordMetrics(from before: ICMPEchoStatistics, to after: ICMPEchoStatistics) {
        guard before != after else { return }
        engine.metrics.record(from: before, to: after)
        engine.metrics.pendingProbes.record(after.pendingProbes)
    }
}
