package org.mriclassifier.api;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of upload bodies held in memory at once, across all HTTP verticle instances. Uploads are read into
 * memory (never to disk, so no image lingers in a temporary file); past this budget a new upload is told to
 * retry (503) instead of growing the heap.
 */
public final class UploadBudget {

    private final long maxBytes;
    private final AtomicLong inUse = new AtomicLong();

    public UploadBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    boolean tryAcquire(long bytes) {
        while (true) {
            long current = inUse.get();
            if (current + bytes > maxBytes) {
                return false;
            }
            if (inUse.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        inUse.addAndGet(-bytes);
    }
}
