import Foundation
import SNMP
import Testing

@testable import SNMPBot

@Suite("Counter rates")
struct CounterRatesTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)
    let key = CounterRates.SeriesKey(entity: 1, sensor: 2)
    let oid: OID = "1.3.6.1.2.1.2.2.1.10.1"

    @Test func firstSampleGivesNothingThenRatesOverTheMeasuredTime() {
        let rates = CounterRates()
        #expect(rates.update(key, counters: [oid: .counter32(1_000)], time: start).isEmpty)
        #expect(rates.update(key, counters: [oid: .counter32(7_000)], time: start.addingTimeInterval(60)) == [oid: 100])
        // A late run: the rate uses the actual time between the samples.
        #expect(rates.update(key, counters: [oid: .counter32(7_900)], time: start.addingTimeInterval(63)) == [oid: 300])
        // Unchanged counter: a rate of 0, not "no value".
        #expect(rates.update(key, counters: [oid: .counter32(7_900)], time: start.addingTimeInterval(123)) == [oid: 0])
    }

    @Test func counter32WrapOrResetGivesNoValueThenResumes() {
        let rates = CounterRates()
        _ = rates.update(key, counters: [oid: .counter32(UInt32.max - 100)], time: start)
        #expect(rates.update(key, counters: [oid: .counter32(500)], time: start.addingTimeInterval(60)).isEmpty)
        #expect(rates.update(key, counters: [oid: .counter32(1_100)], time: start.addingTimeInterval(120)) == [oid: 10])
    }

    @Test func counter64KeepsFullPrecisionNearTheTop() {
        let rates = CounterRates()
        // 2⁶⁴ − 1000 and 2⁶⁴ − 400 are the same Double; the rate must still be 600 / 60.
        _ = rates.update(key, counters: [oid: .counter64(UInt64.max - 1_000)], time: start)
        #expect(rates.update(key, counters: [oid: .counter64(UInt64.max - 400)], time: start.addingTimeInterval(60)) == [oid: 10])
        #expect(rates.update(key, counters: [oid: .counter64(3)], time: start.addingTimeInterval(120)).isEmpty)
        #expect(rates.update(key, counters: [oid: .counter64(63)], time: start.addingTimeInterval(180)) == [oid: 1])
    }

    @Test func typeChangeOrNoElapsedTimeGivesNoValue() {
        let rates = CounterRates()
        _ = rates.update(key, counters: [oid: .counter32(10)], time: start)
        #expect(rates.update(key, counters: [oid: .counter64(20)], time: start.addingTimeInterval(10)).isEmpty)
        #expect(rates.update(key, counters: [oid: .counter64(30)], time: start.addingTimeInterval(10)).isEmpty)
        #expect(rates.update(key, counters: [oid: .counter64(40)], time: start.addingTimeInterval(5)).isEmpty)
    }

    @Test func seriesAreSeparateAndBounded() {
        let rates = CounterRates()
        let other = CounterRates.SeriesKey(entity: 1, sensor: 3)
        let second: OID = "1.3.6.1.2.1.2.2.1.10.2"
        _ = rates.update(key, counters: [oid: .counter32(0), second: .counter32(0)], time: start)
        _ = rates.update(other, counters: [oid: .counter32(100)], time: start)
        #expect(rates.sampleCount == 3)
        // The same instance under another sensor has its own history.
        #expect(rates.update(other, counters: [oid: .counter32(160)], time: start.addingTimeInterval(60)) == [oid: 1])
        // An instance that disappeared is forgotten; when it comes back it starts over.
        #expect(rates.update(key, counters: [oid: .counter32(60)], time: start.addingTimeInterval(60)) == [oid: 1])
        #expect(rates.sampleCount == 2)
        #expect(rates.update(key, counters: [oid: .counter32(120), second: .counter32(600)], time: start.addingTimeInterval(120)) == [oid: 1])
        // Removed entities and sensors are dropped.
        rates.retain([other])
        #expect(rates.sampleCount == 1)
        rates.retain([])
        #expect(rates.sampleCount == 0)
    }

    @Test func pureRateRule() {
        func sample(_ value: UInt64, _ seconds: Double, wide: Bool = false) -> CounterRates.Sample {
            CounterRates.Sample(value: value, is64Bit: wide, time: start.addingTimeInterval(seconds))
        }
        #expect(CounterRates.rate(from: sample(0, 0), to: sample(30, 15)) == 2)
        #expect(CounterRates.rate(from: sample(30, 0), to: sample(29, 15)) == nil)
        #expect(CounterRates.rate(from: sample(0, 15), to: sample(30, 0)) == nil)
        #expect(CounterRates.rate(from: sample(0, 0), to: sample(30, 15, wide: true)) == nil)
    }
}
