import Foundation
import Testing

@testable import GrafoleanCollector

/// The per-account delivery state machine on its own: every rule with plain values and injected time.
@Suite("Per-account delivery state")
struct AccountDeliveryTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func at(_ seconds: Double) -> Date { Self.t0.addingTimeInterval(seconds) }

    func value(_ path: String, _ seconds: Double, _ v: Double = 1) -> MeasuredValue {
        MeasuredValue(path: path, value: v, time: at(seconds))
    }

    func state(_ configuration: ValueSender.Configuration = .init(retryJitter: 0)) -> AccountDelivery {
        AccountDelivery(configuration: configuration)
    }

    func batch(_ action: AccountDelivery.Action) -> AccountDelivery.Batch? {
        if case .send(let batch) = action { return batch }
        return nil
    }

    @Test func freshValuesGoWithArrivalTimeOnlyWithinTheLimit() throws {
        var delivery = state()
        _ = delivery.enqueue([value("a", 0), value("b", 0.5)])
        // At 1.2 s, "a" (measured at 0) waited longer than 1 s: it goes with its measured time.
        let first = try #require(batch(delivery.nextAction(now: at(1.2))))
        #expect(first.timestamps == .measured)
        #expect(first.values.map(\.path) == ["a"])
        _ = delivery.complete(.delivered, now: at(1.2), random: 0)
        let second = try #require(batch(delivery.nextAction(now: at(1.2))))
        #expect(second.timestamps == .arrival)
        #expect(second.values.map(\.path) == ["b"])
        _ = delivery.complete(.delivered, now: at(1.2), random: 0)
        #expect(delivery.nextAction(now: at(1.2)) == .idle)
        #expect(delivery.isIdle)
    }

    @Test func aFailureKeepsTheValuesBacksOffAndResendsWithMeasuredTimes() throws {
        var delivery = state(.init(initialRetryDelay: .seconds(1), maximumRetryDelay: .seconds(4), retryJitter: 0))
        _ = delivery.enqueue([value("a", 0)])
        _ = try #require(batch(delivery.nextAction(now: at(0))))
        var completion = delivery.complete(.retryLater(reason: "down", isOutage: true), now: at(0), random: 0)
        #expect(completion.retryDelay == 1)
        #expect(delivery.nextAction(now: at(0.5)) == .wait(until: at(1)))
        // Values that come meanwhile wait too.
        _ = delivery.enqueue([value("b", 0.6)])
        #expect(delivery.inMemory == 2)
        _ = try #require(batch(delivery.nextAction(now: at(1))))
        completion = delivery.complete(.retryLater(reason: "down", isOutage: true), now: at(1), random: 0)
        #expect(completion.retryDelay == 2)
        _ = try #require(batch(delivery.nextAction(now: at(3))))
        completion = delivery.complete(.retryLater(reason: "down", isOutage: true), now: at(3), random: 0)
        #expect(completion.retryDelay == 4)
        _ = try #require(batch(delivery.nextAction(now: at(7))))
        completion = delivery.complete(.retryLater(reason: "down", isOutage: true), now: at(7), random: 0)
        #expect(completion.retryDelay == 4, "capped")
        // Back: the re-sends go with their measured times, then b (stale by now) too.
        let resent = try #require(batch(delivery.nextAction(now: at(11))))
        #expect(resent.timestamps == .measured)
        completion = delivery.complete(.delivered, now: at(11), random: 0)
        #expect(completion.recoveredAfterFailures == 4)
        #expect(completion.deliveredWithMeasuredTime == resent.values.count)
        var sent = resent.values
        while case .send(let next) = delivery.nextAction(now: at(11)) {
            #expect(next.timestamps == .measured)
            sent += next.values
            _ = delivery.complete(.delivered, now: at(11), random: 0)
        }
        #expect(Set(sent.map(\.path)) == ["a", "b"])
        #expect(delivery.isIdle)
    }

    @Test func valuesThatMustKeepTheirTimeGoWithMeasuredTimesEvenWhenFresh() throws {
        var delivery = state()
        _ = delivery.enqueue([value("window.a", 0), value("window.b", 0)], preservingTime: true)
        let sent = try #require(batch(delivery.nextAction(now: at(0))))
        #expect(sent.timestamps == .measured)
        #expect(sent.values.map(\.path) == ["window.a", "window.b"])
    }

    @Test func jitterShortensTheDelayWithinItsBound() {
        let delivery = state(.init(initialRetryDelay: .seconds(8), retryJitter: 0.5))
        #expect(delivery.retryDelay(afterFailures: 1, random: 0) == 8)
        #expect(delivery.retryDelay(afterFailures: 1, random: 1) == 4)
        #expect(delivery.retryDelay(afterFailures: 2, random: 0.5) == 12)
    }

    @Test func anOutageBackoffEndsWhenAnotherAccountGetsThrough() throws {
        var outage = state()
        _ = outage.enqueue([value("a", 0)])
        _ = outage.nextAction(now: at(0))
        _ = outage.complete(.retryLater(reason: "down", isOutage: true), now: at(0), random: 0)
        outage.endOutageBackoff()
        #expect(batch(outage.nextAction(now: at(0.1))) != nil)

        var refused = state()
        _ = refused.enqueue([value("a", 0)])
        _ = refused.nextAction(now: at(0))
        _ = refused.complete(.retryLater(reason: "forbidden", isOutage: false), now: at(0), random: 0)
        refused.endOutageBackoff()
        #expect(refused.nextAction(now: at(0.1)) == .wait(until: at(1)))
    }

    @Test func aRejectedBatchIsSplitUntilTheBadValueIsAlone() throws {
        var delivery = state()
        let values = (0..<8).map { value("v\($0)", 0) }
        _ = delivery.enqueue(values)
        var rejected: [RejectedValue] = []
        var delivered: [String] = []
        var requests = 0
        while case .send(let batch) = delivery.nextAction(now: at(0)) {
            requests += 1
            let bad = batch.values.contains { $0.path == "v5" }
            let completion = delivery.complete(bad ? .rejected(reason: "bad path") : .delivered, now: at(0), random: 0)
            if let rejection = completion.rejected { rejected.append(rejection) }
            if !bad { delivered += batch.values.map(\.path) }
        }
        #expect(rejected.map(\.value.path) == ["v5"])
        #expect(rejected.first?.reason == "bad path")
        #expect(Set(delivered) == Set((0..<8).filter { $0 != 5 }.map { "v\($0)" }))
        #expect(requests == 7)  // 8 → 4+4 → 2+2 → 1+1
    }

    @Test func measuredTimesNotAllowedFallBackToArrivalTimesOnce() throws {
        var delivery = state()
        _ = delivery.enqueue([value("a", 0)])
        let first = try #require(batch(delivery.nextAction(now: at(5))))
        #expect(first.timestamps == .measured)
        let completion = delivery.complete(.timestampsNotAllowed(reason: "403"), now: at(5), random: 0)
        #expect(completion.learnedTimestampsNotAllowed)
        let retry = try #require(batch(delivery.nextAction(now: at(5))))
        #expect(retry.timestamps == .arrival)
        #expect(retry.values == first.values)
        _ = delivery.complete(.delivered, now: at(5), random: 0)
        _ = delivery.enqueue([value("b", 0)])
        #expect(batch(delivery.nextAction(now: at(5)))?.timestamps == .arrival)
    }

    @Test func theBufferDropsTheOldestBeyondItsBound() {
        var delivery = state(.init(maximumBufferedValuesPerAccount: 3))
        #expect(delivery.enqueue([value("a", 0), value("b", 1)]) == 0)
        #expect(delivery.enqueue([value("c", 2), value("d", 3)]) == 1)
        #expect(delivery.fresh.map(\.value.path) == ["b", "c", "d"])
    }

    @Test func noRequestRepeatsASeriesKey() throws {
        var delivery = state()
        _ = delivery.enqueue([value("a", 0, 1), value("a", 0, 2), value("b", 0)])
        let first = try #require(batch(delivery.nextAction(now: at(0))))
        #expect(first.values.map(\.path) == ["a", "b"])
        _ = delivery.complete(.delivered, now: at(0), random: 0)
        let second = try #require(batch(delivery.nextAction(now: at(0))))
        #expect(second.values.map(\.value) == [2])
    }
}
