package org.mriclassifier.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Counts failed logins per key (an account, a client address) in a sliding window. A key with too many
 * recent failures is refused until its oldest failure leaves the window; a success clears its account.
 *
 * <p>Confined to one event loop (the auth verticle's); bounded in memory: the least recently used keys are
 * forgotten first, so a flood of invented addresses cannot exhaust the heap.
 */
public final class LoginThrottle {

    private final long windowMillis;
    private final int maxFailures;
    private final Map<String, Deque<Long>> failures;

    public LoginThrottle(long windowMillis, int maxFailures, int maxKeys) {
        this.windowMillis = windowMillis;
        this.maxFailures = maxFailures;
        this.failures = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** Seconds until this key may try again, when it is over its limit now. */
    public OptionalLong retryAfterSeconds(String key, long nowMillis) {
        Deque<Long> times = failures.get(key);
        if (times == null) {
            return OptionalLong.empty();
        }
        expire(times, nowMillis);
        if (times.size() < maxFailures) {
            return OptionalLong.empty();
        }
        long waitMillis = times.peekFirst() + windowMillis - nowMillis;
        return OptionalLong.of(Math.max(1, (waitMillis + 999) / 1000));
    }

    public void recordFailure(String key, long nowMillis) {
        Deque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        expire(times, nowMillis);
        times.addLast(nowMillis);
        while (times.size() > maxFailures) {
            times.removeFirst();
        }
    }

    /** Takes back the latest failure recorded for this key (the attempt turned out to succeed). */
    public void forgetLatest(String key) {
        Deque<Long> times = failures.get(key);
        if (times != null && !times.isEmpty()) {
            times.removeLast();
        }
    }

    public void clear(String key) {
        failures.remove(key);
    }

    private void expire(Deque<Long> times, long nowMillis) {
        while (!times.isEmpty() && times.peekFirst() <= nowMillis - windowMillis) {
            times.removeFirst();
        }
    }
}
