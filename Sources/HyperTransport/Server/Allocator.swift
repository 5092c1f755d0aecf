import CFastCGI

/// The C allocator the process runs on (glibc's malloc).
public enum Allocator {
    /// Returns the allocator's free memory to the system (`malloc_trim(0)`): glibc keeps what a
    /// program frees for later allocations, so without this the resident memory of a process
    /// that freed much stays as high as it was. It walks the heap: call it after freeing much,
    /// not on every free.
    public static func returnFreeMemory() {
        malloc_trim(0)
    }
}
