package org.mriclassifier.mri;

import io.vertx.core.Future;
import java.util.function.Supplier;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.ServiceException;

/**
 * Bounds the classifications in progress (uploads and re-classifications), by count and by image bytes held:
 * the count with fair shares ({@link ClassificationLoad}: past the total, an account alone is told the server is
 * full, 503; an account at or above its equal share is told 429), the bytes by a total (503); both with
 * Retry-After, at once, instead of queueing work without end. This also bounds the OpenCV workers' queue.
 * A slot is freed when the work is over (the workers answer every job, late ones with a quick refusal).
 * The bytes are confined to the MRI service's event loop (one instance).
 */
final class Admissions {

    private final ClassificationLoad load;
    private final long maxBytes;
    private long bytes;

    Admissions(ClassificationLoad load, long maxBytes) {
        this.load = load;
        this.maxBytes = maxBytes;
    }

    /** The account whose share a classification counts against: the same key the HTTP layer asks about. */
    static String account(Actor actor) {
        return actor.id() == null ? actor.userName() : actor.id();
    }

    <T> Future<T> admit(Actor actor, long imageBytes, Supplier<Future<T>> work) {
        String user = account(actor);
        if (load.inFlight() > 0 && bytes + imageBytes > maxBytes) {
            return Future.failedFuture(load.refusal(ClassificationLoad.Verdict.FULL, user));
        }
        ClassificationLoad.Verdict verdict = load.acquire(user);
        if (verdict != ClassificationLoad.Verdict.ADMIT) {
            return Future.failedFuture(load.refusal(verdict, user));
        }
        bytes += imageBytes;
        Future<T> running;
        try {
            running = work.get();
        } catch (RuntimeException e) {
            running = Future.failedFuture(e);
        }
        return running.andThen(done -> {
            load.release(user);
            bytes -= imageBytes;
        });
    }

}
