import Foundation
import Testing

@testable import GrafoleanCollector

@Suite("Health follows the delivery backlog")
struct HealthBacklogTests {
    @Test func aValueWaitingLongerThanTheLimitMakesTheBotUnhealthy() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let health = CollectorHealth(now: start, unhealthyAfterFailedRefreshes: .seconds(600), deliveryBacklogLimit: .seconds(300))
        health.refreshSucceeded(at: start, jobs: 1)
        health.deliveryBacklog(oldestWaitingValue: start)
        #expect(health.report(now: start.addingTimeInterval(299)).healthy)
        let late = health.report(now: start.addingTimeInterval(301))
        #expect(!late.healthy)
        #expect(late.problems.first?.contains("waited for delivery for 301 s") == true)
        health.deliveryBacklog(oldestWaitingValue: nil)
        #expect(health.report(now: start.addingTimeInterval(400)).healthy)
    }
}
