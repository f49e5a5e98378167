package org.mriclassifier.lifecycle;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Process-wide state every verticle may read: whether the server accepts new work. Turned off first on
 * shutdown, so readiness reports 503 while in-flight requests finish.
 */
public final class Lifecycle {

    private final AtomicBoolean accepting = new AtomicBoolean(true);

    public boolean accepting() {
        return accepting.get();
    }

    public void stopAccepting() {
        accepting.set(false);
    }
}
