package org.mriclassifier.mri;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many classifications are in progress, readable from any thread: the MRI service keeps it (through
 * {@link Admissions}), the HTTP layer reads it to refuse an upload before reading its body when the server is
 * already full, so that saying "later" costs almost nothing.
 */
public final class ClassificationLoad {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final int max;

    public ClassificationLoad(int max) {
        this.max = max;
    }

    public int max() {
        return max;
    }

    int inFlight() {
        return inFlight.get();
    }

    public boolean full() {
        return inFlight.get() >= max;
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }
}
