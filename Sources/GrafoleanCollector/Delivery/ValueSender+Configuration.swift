extension ValueSender {
    /// How a ``ValueSender`` batches, buffers and retries.
    public struct Configuration: Sendable {
        /// Most values in one request. Default 500 (measured safe against the real backend).
        public var maximumBatchSize: Int
        /// Most values kept per account while the backend is unreachable; beyond it the oldest are
        /// dropped (counted and logged). Default 100,000 (about 10 MB).
        public var maximumBufferedValuesPerAccount: Int
        /// First delay before retrying after a transient failure. Default 1 s.
        public var initialRetryDelay: Duration
        /// Longest delay between retries. Default 60 s.
        public var maximumRetryDelay: Duration
        /// Random part of each retry delay, from 0 (none) to 1: a delay `d` becomes a random time in
        /// `d·(1−jitter) ... d`, so many bots do not retry in step. Default 0.5.
        public var retryJitter: Double
        /// A value goes by POST (stamped by the backend on arrival, and firing its alerts) only if it
        /// leaves within this delay of its measured time; a value that waited longer goes by PUT
        /// with its measured time. So no stored time is off by more than this plus the request's
        /// own latency. Default 1 s.
        public var freshnessLimit: Duration
        /// How long ``ValueSender/run()`` keeps delivering after a graceful shutdown began. Default 10 s.
        public var shutdownTimeout: Duration
        /// With a state directory: the most bytes the spool's values may take on disk; beyond it the
        /// oldest values are dropped, counted and logged. Default 128 MiB (about 1.5 million values).
        public var maximumSpoolBytes: Int
        /// With a state directory: most values per account kept in memory as well as on disk; the
        /// rest wait on disk only and are read back as delivery catches up. Default 10,000.
        public var memoryValuesPerAccountWithSpool: Int
        /// With a state directory: when spooled values reach the disk itself. Default ``SpoolSyncPolicy/normal``.
        public var spoolSync: SpoolSyncPolicy

        /// Creates a configuration with the defaults.
        public init(
            maximumBatchSize: Int = 500,
            maximumBufferedValuesPerAccount: Int = 100_000,
            initialRetryDelay: Duration = .seconds(1),
            maximumRetryDelay: Duration = .seconds(60),
            retryJitter: Double = 0.5,
            freshnessLimit: Duration = .seconds(1),
            shutdownTimeout: Duration = .seconds(10),
            maximumSpoolBytes: Int = 128 << 20,
            memoryValuesPerAccountWithSpool: Int = 10_000,
            spoolSync: SpoolSyncPolicy = .normal
        ) {
            self.maximumBatchSize = max(1, maximumBatchSize)
            self.maximumBufferedValuesPerAccount = max(1, maximumBufferedValuesPerAccount)
            self.initialRetryDelay = initialRetryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.retryJitter = min(1, max(0, retryJitter))
            self.freshnessLimit = freshnessLimit
            self.shutdownTimeout = shutdownTimeout
            self.maximumSpoolBytes = max(1 << 20, maximumSpoolBytes)
            self.memoryValuesPerAccountWithSpool = max(1, memoryValuesPerAccountWithSpool)
            self.spoolSync = spoolSync
        }
    }

    /// Counts since the sender was created.
    public struct Statistics: Sendable, Hashable {
        /// Values the backend accepted.
        public var delivered = 0
        /// Values refused by the client-side checks or by the backend (400).
        public var rejected = 0
        /// Values dropped: superseded duplicates, buffer overflow, undelivered at shutdown.
        public var dropped = 0
        /// Values waiting for delivery now.
        public var buffered = 0
        /// Values that went out by PUT after a failure or a delay.
        public var resent = 0
        /// Requests that failed and will be retried.
        public var failedRequests = 0
        /// Of the values waiting, those kept on disk (all of them with a state directory).
        public var spooled = 0
        /// Values found in the spool at start and delivered (or waiting) since.
        public var replayed = 0
        /// ``dropped`` by reason: `duplicate`, `buffer_full`, `shutdown`.
        public var droppedByReason: [String: Int] = [:]
        /// Whether the last request reached the backend; `nil` before the first.
        public var backendReachable: Bool?
        /// The last delivery failure (tokens redacted), cleared when delivery works again.
        public var lastError: String?
    }
}
