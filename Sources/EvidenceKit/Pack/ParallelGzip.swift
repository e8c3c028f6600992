#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive
import Foundation

/// A gzip stream compressed in fixed blocks on worker threads, the way pigz does it, written to
/// a file descriptor as the bytes come (libarchive's tar writer feeds it through `write`).
///
/// The uncompressed stream is cut into `blockSize` blocks. Each block is raw-deflated on its own
/// at `level`, primed with the last 32 KiB of the block before it as its dictionary, and ends
/// with a sync flush (the last one with the final block), so the blocks concatenate into one
/// deflate stream. The header (no name, no mtime, OS Unix) and the trailer (CRC-32 combined
/// from the blocks' CRCs, length mod 2^32) are written here. The block boundaries depend on
/// nothing but the bytes, so the archive is the same whatever the number of workers.
final class ParallelGzip: @unchecked Sendable {
    /// Uncompressed bytes per block: fixed, part of what makes the bytes reproducible.
    static let blockSize = 1 << 19
    /// The deflate window, and the dictionary each block is primed with.
    static let window = 1 << 15
    /// zlib's default level, as libarchive's gzip filter and `gzip` use.
    static let level: Int32 = 6
    /// The gzip header: magic, deflate, no flags, MTIME 0, XFL 0, OS 3 (Unix).
    static let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]

    private struct Job {
        var index: Int
        var input: [UInt8]
        var dictionary: [UInt8]
        var last: Bool
    }

    private struct Block {
        var output: [UInt8]
        var crc: UInt
        var count: Int
    }

    private let fd: Int32
    private let path: String
    private let condition = NSCondition()
    private let workersDone = DispatchGroup()
    // Guarded by `condition`.
    private var jobs: [Job] = []
    private var finished: [Int: Block] = [:]
    private var stopping = false
    private var workerFailure: String?
    // The producer's own state (the thread that calls `write` and `finish`).
    private var current: [UInt8] = []
    private var dictionary: [UInt8] = []
    private var submitted = 0
    private var written = 0
    private var crc: UInt = 0
    private var length: UInt32 = 0
    private let maxInFlight: Int
    /// Why writing failed, for the error libarchive reports.
    private(set) var failure: String?

    /// Starts `workers` compressing threads writing to `fd` (the archive `path`, for errors).
    init(fd: Int32, path: String, workers: Int) throws(PackError) {
        self.fd = fd
        self.path = path
        let count = max(1, workers)
        maxInFlight = 2 * count + 1
        current.reserveCapacity(Self.blockSize)
        try put(Self.header)
        for _ in 0..<count {
            workersDone.enter()
            let thread = Thread { [self] in
                work()
                workersDone.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { stop() }

    /// Takes the next uncompressed bytes; false (and `failure` set) when the stream cannot be written.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var rest = bytes[...]
        while !rest.isEmpty {
            let take = min(rest.count, Self.blockSize - current.count)
            current.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
            rest = rest.dropFirst(take)
            if current.count == Self.blockSize, !submit(last: false) { return false }
        }
        return failure == nil
    }

    /// Compresses what is left, writes every block and the trailer, and stops the workers.
    func finish() throws(PackError) {
        guard submit(last: true), drain(until: submitted) else { throw PackError(path, failure ?? "cannot write") }
        stop()
        var trailer = [UInt8](repeating: 0, count: 8)
        for i in 0..<4 {
            trailer[i] = UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> (8 * i))
            trailer[4 + i] = UInt8(truncatingIfNeeded: length >> (8 * i))
        }
        try put(trailer)
    }

    private func put(_ bytes: [UInt8]) throws(PackError) {
        do {
            try bytes.withUnsafeBytes { try FileWriter.writeAll(fd, $0, path: path) }
        } catch let error as PackError {
            throw error
        } catch {
            throw PackError(path, "cannot write: \(error)")
        }
    }

    /// Stops the workers once the queued jobs are taken; waits for them.
    func stop() {
        condition.lock()
        let already = stopping
        stopping = true
        jobs.removeAll()
        condition.broadcast()
        condition.unlock()
        if !already { workersDone.wait() }
    }

    /// Queues the current block and writes the blocks that are done, waiting while too many are in flight.
    private func submit(last: Bool) -> Bool {
        let input = current
        let job = Job(index: submitted, input: input, dictionary: dictionary, last: last)
        dictionary = input.count >= Self.window
            ? Array(input.suffix(Self.window))
            : Array((dictionary + input).suffix(Self.window))
        current.removeAll(keepingCapacity: true)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
        submitted += 1
        return drain(until: submitted - maxInFlight)
    }

    /// Writes finished blocks in order until at least `target` are written (waiting for them).
    private func drain(until target: Int) -> Bool {
        while failure == nil {
            condition.lock()
            while finished[written] == nil, written < target, workerFailure == nil { condition.wait() }
            if let message = workerFailure { failure = message }
            let block = finished.removeValue(forKey: written)
            condition.unlock()
            guard let block else { return failure == nil }
            do throws(PackError) {
                try put(block.output)
            } catch {
                failure = error.reason
                return false
            }
            crc = crc32_combine(crc, block.crc, off_t(block.count))
            length &+= UInt32(truncatingIfNeeded: block.count)
            written += 1
        }
        return false
    }

    private func work() {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard deflateInit2_(stream, Self.level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            fail("cannot start the gzip compressor")
            return
        }
        defer { deflateEnd(stream) }
        while true {
            condition.lock()
            while jobs.isEmpty, !stopping { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            guard let block = Self.compress(job, stream) else {
                fail("cannot compress block \(job.index) of the gzip stream")
                return
            }
            condition.lock()
            finished[job.index] = block
            condition.broadcast()
            condition.unlock()
        }
    }

    private func fail(_ message: String) {
        condition.lock()
        if workerFailure == nil { workerFailure = message }
        condition.broadcast()
        condition.unlock()
    }

    /// One block as raw deflate, primed with its dictionary, ending on a byte boundary (or the stream's end).
    private static func compress(_ job: Job, _ stream: UnsafeMutablePointer<z_stream>) -> Block? {
        guard deflateReset(stream) == Z_OK else { return nil }
        if !job.dictionary.isEmpty {
            let status = job.dictionary.withUnsafeBufferPointer {
                deflateSetDictionary(stream, $0.baseAddress, uInt($0.count))
            }
            guard status == Z_OK else { return nil }
        }
        // deflateBound covers a finished stream; a sync flush adds at most an empty stored block.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(job.input.count))) + 16)
        var input = job.input
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.pointee.next_in = inBuffer.baseAddress
                stream.pointee.avail_in = uInt(inBuffer.count)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = uInt(outBuffer.count)
                let status = deflate(stream, job.last ? Z_FINISH : Z_SYNC_FLUSH)
                let complete = job.last ? status == Z_STREAM_END : status == Z_OK && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0
                return complete ? outBuffer.count - Int(stream.pointee.avail_out) : nil
            }
        }
        guard let produced else { return nil }
        output.removeSubrange(produced...)
        let crc = job.input.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return Block(output: output, crc: crc, count: job.input.count)
    }
}
