import Testing

@testable import Hyper

@Suite("Render scratch buffers")
struct RenderScratchTests {
    private func address(_ bytes: [UInt8]) -> UnsafeRawPointer? {
        bytes.withUnsafeBytes { $0.baseAddress }
    }

    @Test("a buffer given back is taken again, the same memory")
    func reuse() {
        var buffer = RenderScratch.takeBuffer(capacity: 4096)
        buffer.append(1)
        let original = address(buffer)
        RenderScratch.giveBack(&buffer)
        #expect(buffer.isEmpty)
        var again = RenderScratch.takeBuffer(capacity: 16)
        again.append(2)
        #expect(address(again) == original)
    }

    @Test("ForEach builds each element in the buffer of the previous one")
    func forEachReusesOneBuffer() {
        var addresses: Set<UnsafeRawPointer?> = []
        let items = ForEach(0..<50) { index -> HTML in
            let item: HTML = "<li>\(index)</li>"
            addresses.insert(address(item.bytes))
            return item
        }
        let page: HTML = "<ul>\(items)</ul>"
        #expect(page.string.hasPrefix("<ul><li>0</li><li>1</li>"))
        #expect(page.string.hasSuffix("<li>49</li></ul>"))
        #expect(addresses.count == 1)
    }

    @Test("a thread keeps at most a few free buffers, however many are given back")
    func bounded() {
        var buffers = (0..<100).map { _ in RenderScratch.takeBuffer(capacity: 64) }
        for index in buffers.indices { RenderScratch.giveBack(&buffers[index]) }
        var taken: [[UInt8]] = []
        while true {
            let buffer = RenderScratch.takeBuffer(capacity: 1)
            if buffer.capacity < 64 { break }
            taken.append(buffer)
        }
        #expect(taken.count <= 8)
    }
}
