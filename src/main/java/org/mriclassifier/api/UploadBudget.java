package org.mriclassifier.api;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bytes of upload bodies held in memory at once, across all HTTP verticle instances. Uploads are read into
 * memory (never to disk, so no image lingers in a temporary file); bytes are reserved as they arrive, never ahead
 * of them, so a slow or stalled upload holds only what it sent. Past the process-wide budget an upload is told to
 * retry (503) instead of growing the heap; one user may have at most {@code maxOpenPerUser} bodies being read and
 * hold {@code maxBytesPerUser} of the budget (429 beyond; bytes are held until the upload's answer), so no account can starve the others. Large JSON uploads are
 * parsed (and their base64 decoded) on worker threads, at most {@code maxJsonParses} at once, the others in line:
 * each holds copies of its image while it runs.
 */
public final class UploadBudget {

    /** The limits, from the {@code mri} configuration. */
    public record Limits(long maxBytes, int maxOpenPerUser, long maxBytesPerUser, int maxJsonParses,
                         long minBytesPerSecond, long rateGraceMillis) {
    }

    /** Why a reservation failed. */
    enum Shortfall { NONE, SERVER, USER }

    private final Limits limits;
    private final AtomicInteger parses = new AtomicInteger();
    private final Queue<Runnable> waitingParses = new ConcurrentLinkedQueue<>();
    /** Guarded by this. */
    private long inUse;
    /** Guarded by this: user id → {open uploads, bytes held}; users with neither are removed. */
    private final Map<String, long[]> users = new HashMap<>();

    public UploadBudget(Limits limits) {
        this.limits = limits;
    }

    public static UploadBudget fromConfig(JsonObject mri) {
        return new UploadBudget(new Limits(
                mri.getLong("upload_buffer_bytes_max", 256L << 20),
                mri.getInteger("max_open_uploads_per_user", 32),
                mri.getLong("upload_bytes_per_user_max", 64L << 20),
                mri.getInteger("max_json_parses", 2),
                mri.getLong("upload_min_bytes_per_second", 16L << 10),
                mri.getLong("upload_rate_grace_ms", 5_000L)));
    }

    Limits limits() {
        return limits;
    }

    /** Whether {@code bytes} more would fit now: a quick refusal before reading a body that could not be held. */
    synchronized boolean hasRoomFor(long bytes) {
        return inUse + bytes <= limits.maxBytes();
    }

    /** One upload being read for {@code user}, or null when the user already has as many as allowed. */
    synchronized Upload open(String user) {
        long[] held = users.computeIfAbsent(user, u -> new long[2]);
        if (held[0] >= limits.maxOpenPerUser()) {
            return null;
        }
        held[0]++;
        return new Upload(user);
    }

    /**
     * The bytes of one upload. It counts as open while its body is being read ({@link #bodyRead()}); its bytes are
     * held until {@link #close()} gives them back, once, however the request ended.
     */
    final class Upload {
        private final String user;
        private long reserved;
        private boolean reading = true;
        private boolean closed;

        private Upload(String user) {
            this.user = user;
        }

        /** Reserves {@code bytes} more, just arrived; on a shortfall nothing is reserved. */
        Shortfall reserve(long bytes) {
            synchronized (UploadBudget.this) {
                if (closed) {
                    return Shortfall.NONE;
                }
                long[] held = users.get(user);
                if (held[1] + bytes > limits.maxBytesPerUser()) {
                    return Shortfall.USER;
                }
                if (inUse + bytes > limits.maxBytes()) {
                    return Shortfall.SERVER;
                }
                held[1] += bytes;
                inUse += bytes;
                reserved += bytes;
                return Shortfall.NONE;
            }
        }

        /** The whole body is in: the upload no longer counts against its user's open uploads. */
        void bodyRead() {
            synchronized (UploadBudget.this) {
                if (reading) {
                    reading = false;
                    users.get(user)[0]--;
                }
            }
        }

        void close() {
            synchronized (UploadBudget.this) {
                if (closed) {
                    return;
                }
                bodyRead();
                closed = true;
                inUse -= reserved;
                long[] held = users.get(user);
                held[1] -= reserved;
                if (held[0] == 0 && held[1] == 0) {
                    users.remove(user);
                }
            }
        }
    }

    /** Bytes reserved now, by everyone. */
    synchronized long inUse() {
        return inUse;
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
        if (parses.incrementAndGet() <= limits.maxJsonParses()) {
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
            if (parses.incrementAndGet() > limits.maxJsonParses()) {
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
}
