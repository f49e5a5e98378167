package org.mriclassifier.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.mriclassifier.bus.ServiceException;

/**
 * Runs bcrypt off the event loop, on a small pool of its own (bcrypt is pure CPU: more threads than cores
 * only add latency), with a bounded backlog: past it, a request is told to come back later instead of
 * queueing behind hundreds of hashes.
 */
public final class PasswordWork implements AutoCloseable {

    private static final String POOL_NAME = "mri-bcrypt";

    private final PasswordHasher hasher;
    private final WorkerExecutor executor;
    private final AtomicInteger pending = new AtomicInteger();
    private final int maxPending;

    public PasswordWork(Vertx vertx, PasswordHasher hasher, int threads, int maxPending) {
        this.hasher = hasher;
        this.executor = vertx.createSharedWorkerExecutor(POOL_NAME, threads);
        this.maxPending = maxPending;
    }

    public PasswordHasher hasher() {
        return hasher;
    }

    public Future<String> hash(String password) {
        return run(() -> hasher.hash(password));
    }

    public Future<Boolean> verify(String password, String hash) {
        return run(() -> hasher.verify(password, hash));
    }

    public Future<Boolean> verifyDecoy(String password) {
        return run(() -> {
            hasher.verifyDecoy(password);
            return false;
        });
    }

    private <T> Future<T> run(Callable<T> work) {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            return Future.failedFuture(new ServiceException(503, "too many password checks in progress; try again later"));
        }
        return executor.executeBlocking(work, false).andThen(done -> pending.decrementAndGet());
    }

    @Override
    public void close() {
        executor.close();
    }
}
