package org.mriclassifier.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The token check's cache of users: what it remembers, for how long, and what makes it forget. */
@DisplayName("PrincipalCache remembers users briefly and forgets them on a change")
class PrincipalCacheTest {

    private final AtomicInteger queries = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong(1_000);

    private Future<Optional<PrincipalCache.Principal>> database(String id) {
        queries.incrementAndGet();
        return Future.succeededFuture(Optional.of(principal(id, queries.get())));
    }

    private static PrincipalCache.Principal principal(String id, int version) {
        return new PrincipalCache.Principal(id, "u-" + id, Role.DOCTOR, "H", version);
    }

    @Test
    @DisplayName("a hit within the time limit asks nothing; after it, or after an invalidation, the source is asked again")
    void hitsExpiryAndInvalidation() {
        PrincipalCache cache = new PrincipalCache(this::database, 30_000, 100, clock::get);
        assertEquals(1, cache.lookup("a").result().orElseThrow().tokenVersion());
        assertEquals(1, cache.lookup("a").result().orElseThrow().tokenVersion());
        assertEquals(1, queries.get());

        cache.invalidate("a");
        assertEquals(2, cache.lookup("a").result().orElseThrow().tokenVersion());
        assertEquals(2, queries.get());

        clock.addAndGet(30_000);
        assertEquals(3, cache.lookup("a").result().orElseThrow().tokenVersion());
    }

    @Test
    @DisplayName("a lookup that was in flight when its user changed is answered but not remembered")
    void racingLookupIsNotCached() {
        List<Promise<Optional<PrincipalCache.Principal>>> pending = new ArrayList<>();
        PrincipalCache cache = new PrincipalCache(id -> {
            Promise<Optional<PrincipalCache.Principal>> p = Promise.promise();
            pending.add(p);
            return p.future();
        }, 30_000, 100, clock::get);

        Future<Optional<PrincipalCache.Principal>> stale = cache.lookup("a");
        cache.invalidate("a");
        pending.get(0).complete(Optional.of(principal("a", 1)));
        assertEquals(1, stale.result().orElseThrow().tokenVersion());

        cache.lookup("a");
        assertEquals(2, pending.size(), "the stale answer must not have been remembered");
    }

    @Test
    @DisplayName("one cache serves many threads: an invalidation on one is seen by lookups on all the others")
    void sharedAcrossThreads() throws InterruptedException {
        PrincipalCache cache = new PrincipalCache(this::database, 30_000, 10_000, clock::get);
        int threads = 4;
        CountDownLatch done = new CountDownLatch(threads);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            Thread worker = new Thread(() -> {
                try {
                    for (int i = 0; i < 5_000; i++) {
                        String id = "u" + ((i + offset) % 50);
                        cache.lookup(id);
                        if (i % 7 == 0) {
                            cache.invalidate(id);
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            });
            worker.start();
        }
        done.await();
        assertEquals(List.of(), List.copyOf(errors));

        cache.invalidate("u1");
        int before = queries.get();
        cache.lookup("u1");
        cache.lookup("u1");
        assertEquals(before + 1, queries.get(), "the second lookup is a hit");
        Thread other = new Thread(() -> cache.invalidate("u1"));
        other.start();
        other.join();
        cache.lookup("u1");
        assertEquals(before + 2, queries.get(), "an invalidation on another thread is seen here");
    }
}
