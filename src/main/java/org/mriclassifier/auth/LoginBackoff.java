package org.mriclassifier.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Growing delays for one client: failed logins counted per (account, client address). The first
 * {@code freeFailures} cost nothing; after each further one the client waits twice as long as before (from
 * {@code firstDelayMillis} up to {@code maxDelayMillis}). A success, or a quiet window, starts it afresh.
 *
 * <p>Because the key is the pair, someone guessing an account's password slows down only themselves: the
 * account's owner, from another address, and the other users behind the same address, log in at once.
 * Confined to one event loop (the auth verticle's); bounded: the least recently used pairs are forgotten first.
 */
public final class LoginBackoff {

    private static final class State {
        int failures;
        long lastFailureMillis;
        long notBeforeMillis;
    }

    private final int freeFailures;
    private final long firstDelayMillis;
    private final long maxDelayMillis;
    private final long windowMillis;
    private final Map<String, State> clients;

    public LoginBackoff(int freeFailures, long firstDelayMillis, long maxDelayMillis, long windowMillis, int maxKeys) {
        this.freeFailures = freeFailures;
        this.firstDelayMillis = firstDelayMillis;
        this.maxDelayMillis = maxDelayMillis;
        this.windowMillis = windowMillis;
        this.clients = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
                return size() > maxKeys;
            }
        };
    }

    public static String key(String account, String address) {
        return account + "\n" + address;
    }

    /** Seconds this client must still wait, when it must. */
    public OptionalLong retryAfterSeconds(String key, long nowMillis) {
        State state = clients.get(key);
        if (state == null || state.notBeforeMillis <= nowMillis) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(1, (state.notBeforeMillis - nowMillis + 999) / 1000));
    }

    /** Counts a failure (before the password is checked: parallel guesses cannot all slip through). */
    public void recordFailure(String key, long nowMillis) {
        State state = clients.computeIfAbsent(key, k -> new State());
        if (nowMillis - state.lastFailureMillis > windowMillis) {
            state.failures = 0;
        }
        state.failures++;
        state.lastFailureMillis = nowMillis;
        int beyond = state.failures - freeFailures;
        if (beyond > 0) {
            long delay = firstDelayMillis << Math.min(beyond - 1, 30);
            state.notBeforeMillis = nowMillis + Math.min(maxDelayMillis, delay);
        }
    }

    /** The attempt succeeded: this client starts afresh. */
    public void clear(String key) {
        clients.remove(key);
    }

    /** Failures this client has now (for tests and logs). */
    int failures(String key) {
        State state = clients.get(key);
        return state == null ? 0 : state.failures;
    }
}
