extension ValueSender {
    /// Runs the sender (``run()``) while `body` runs, then stops it and waits until it has stopped;
    /// for programs and tests that deliver values outside a bot's service group.
    public func withRunning<Result: Sendable>(_ body: @Sendable (ValueSender) async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await self.run()
                return nil
            }
            let result = try await body(self)
            group.cancelAll()
            while let _ = try await group.next() {}
            return result
        }
    }
}
