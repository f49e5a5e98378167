package org.mriclassifier.mri;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.ServiceException;

/**
 * Bounds the classifications in progress (uploads and re-classifications), by count and by image bytes held:
 * past the total the server is full (503), past one user's share that user is asking too much (429); both with
 * Retry-After, at once, instead of queueing work without end. This also bounds the OpenCV workers' queue.
 * A slot is freed when the work is over (the workers answer every job, late ones with a quick refusal).
 * The count itself lives in {@link ClassificationLoad}, which the HTTP layer reads; the rest is confined to the MRI
 * service's event loop (one instance).
 */
final class Admissions {

    private final ClassificationLoad load;
    private final int maxPerUser;
    private final long maxBytes;
    private final Map<String, Integer> perUser = new HashMap<>();
    private long bytes;

    Admissions(ClassificationLoad load, int maxPerUser, long maxBytes) {
        this.load = load;
        this.maxPerUser = maxPerUser;
        this.maxBytes = maxBytes;
    }

    <T> Future<T> admit(Actor actor, long imageBytes, Supplier<Future<T>> work) {
        String user = actor.id() == null ? actor.userName() : actor.id();
        if (perUser.getOrDefault(user, 0) >= maxPerUser) {
            return Future.failedFuture(ServiceException.retryLater(429,
                    "you have " + maxPerUser + " classifications in progress; wait for them to finish", 1));
        }
        if (load.full() || (load.inFlight() > 0 && bytes + imageBytes > maxBytes)) {
            return Future.failedFuture(ServiceException.retryLater(503,
                    "the server is classifying at capacity; try again shortly", 1));
        }
        load.started();
        bytes += imageBytes;
        perUser.merge(user, 1, Integer::sum);
        Future<T> running;
        try {
            running = work.get();
        } catch (RuntimeException e) {
            running = Future.failedFuture(e);
        }
        return running.andThen(done -> {
            load.finished();
            bytes -= imageBytes;
            perUser.computeIfPresent(user, (k, n) -> n > 1 ? n - 1 : null);
        });
    }
}
