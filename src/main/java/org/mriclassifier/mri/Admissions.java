package org.mriclassifier.mri;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.ServiceException;

/**
 * Bounds the classifications in progress (uploads and re-classifications): past the total the server is full
 * (503), past one user's share that user is asking too much (429); both with Retry-After, at once, instead of
 * queueing work without end. This also bounds the OpenCV workers' queue and the image bytes held in flight.
 * Confined to the MRI service's event loop.
 */
final class Admissions {

    private final int maxInFlight;
    private final int maxPerUser;
    private final Map<String, Integer> perUser = new HashMap<>();
    private int inFlight;

    Admissions(int maxInFlight, int maxPerUser) {
        this.maxInFlight = maxInFlight;
        this.maxPerUser = maxPerUser;
    }

    <T> Future<T> admit(Actor actor, Supplier<Future<T>> work) {
        String user = actor.id() == null ? actor.userName() : actor.id();
        if (perUser.getOrDefault(user, 0) >= maxPerUser) {
            return Future.failedFuture(ServiceException.retryLater(429,
                    "you have " + maxPerUser + " classifications in progress; wait for them to finish", 1));
        }
        if (inFlight >= maxInFlight) {
            return Future.failedFuture(ServiceException.retryLater(503,
                    "the server is classifying at capacity; try again shortly", 1));
        }
        inFlight++;
        perUser.merge(user, 1, Integer::sum);
        Future<T> running;
        try {
            running = work.get();
        } catch (RuntimeException e) {
            running = Future.failedFuture(e);
        }
        return running.andThen(done -> {
            inFlight--;
            perUser.computeIfPresent(user, (k, n) -> n > 1 ? n - 1 : null);
        });
    }
}
