import Foundation

/// A bounded queue between one producer thread and one consumer.
final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var closed = false
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Waits for room; false when the consumer has cancelled.
    func send(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity, !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// The next element; nil when the producer closed and everything was received.
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !closed { condition.wait() }
        if items.isEmpty { return nil }
        let element = items.removeFirst()
        condition.broadcast()
        return element
    }

    /// Called by the producer when it is done (also after a cancel).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Called by the consumer: the producer stops at its next send.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func waitForProducer() {
        condition.lock()
        while !closed { condition.wait() }
        condition.unlock()
    }
}
