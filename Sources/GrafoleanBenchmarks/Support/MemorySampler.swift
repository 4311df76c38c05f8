/// Samples resident memory periodically while a benchmark runs, keeping the largest reading.
actor MemorySampler {
    private(set) var largestResidentKiB = 0

    /// Samples every `interval` until the calling task is cancelled.
    func run(interval: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            sample()
            try? await Task.sleep(for: interval)
        }
    }

    /// Takes one reading.
    func sample() {
        largestResidentKiB = max(largestResidentKiB, MemoryStatus.now().residentKiB)
    }
}
