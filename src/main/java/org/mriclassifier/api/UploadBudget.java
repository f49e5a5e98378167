package org.mriclassifier.api;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of upload bodies held in memory at once, across all HTTP verticle instances. Uploads are read into
 * memory (never to disk, so no image lingers in a temporary file); past this budget a new upload is told to
 * retry (503) instead of growing the heap. Large JSON uploads are parsed (and their base64 decoded) on worker
 * threads, at most {@code maxJsonParses} at once, the others in line: each holds copies of its image while it runs.
 */
public final class UploadBudget {

    private final long maxBytes;
    private final int maxJsonParses;
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicInteger parses = new AtomicInteger();
    private final Queue<Runnable> waitingParses = new ConcurrentLinkedQueue<>();

    public UploadBudget(long maxBytes, int maxJsonParses) {
        this.maxBytes = maxBytes;
        this.maxJsonParses = maxJsonParses;
    }

    /** From the {@code mri} configuration. */
    public static UploadBudget fromConfig(JsonObject mri) {
        return new UploadBudget(mri.getLong("upload_buffer_bytes_max", 256L << 20), mri.getInteger("max_json_parses", 2));
    }

    /**
     * Runs a large JSON parse on a worker of {@code context} once one of the {@code maxJsonParses} slots is free;
     * until then it waits in line. Waiting costs no memory beyond the body, which this budget already holds, and
     * the request's own timeout bounds the wait.
     */
    <T> Future<T> parse(Context context, Callable<T> work) {
        Promise<T> result = Promise.promise();
        Runnable start = () -> context.<T>executeBlocking(work, false).onComplete(done -> {
            parses.decrementAndGet();
            startWaitingParses();
            result.handle(done);
        });
        if (parses.incrementAndGet() <= maxJsonParses) {
            start.run();
        } else {
            parses.decrementAndGet();
            waitingParses.add(start);
            // a slot may have come free between the two lines above
            startWaitingParses();
        }
        return result.future();
    }

    private void startWaitingParses() {
        while (!waitingParses.isEmpty()) {
            if (parses.incrementAndGet() > maxJsonParses) {
                parses.decrementAndGet();
                return;
            }
            Runnable next = waitingParses.poll();
            if (next == null) {
                parses.decrementAndGet();
                return;
            }
            next.run();
        }
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
