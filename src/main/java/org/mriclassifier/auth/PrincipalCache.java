package org.mriclassifier.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What each token's user is now (role, hospital, token version), remembered for a few seconds so that a busy
 * client does not cost a query per request. One cache serves every HTTP instance of a process, so the route
 * that changed or deleted a user drops its entry before it answers: the next request, on whichever event
 * loop, asks the database again. Changes made by other verticles, or on other nodes, arrive as
 * {@code users.events.changed} events, which drop the entry too; the time limit only covers events lost
 * between nodes. Thread-safe (the source is called outside the lock); bounded in size.
 */
public final class PrincipalCache {

    /** The current facts about a token's user. */
    public record Principal(String id, String userName, Role role, String hospital, int tokenVersion) {

        public static Principal fromJson(JsonObject json) {
            return new Principal(json.getString("id"), json.getString("user_name"),
                    Role.fromWire(json.getString("role")).orElseThrow(), json.getString("hospital"),
                    json.getInteger("token_version"));
        }

        public JsonObject toJson() {
            return new JsonObject().put("id", id).put("user_name", userName).put("role", role.wire())
                    .put("hospital", hospital).put("token_version", tokenVersion);
        }
    }

    private record Entry(Optional<Principal> principal, long expiresAt) {
    }

    private final Function<String, Future<Optional<Principal>>> source;
    private final long ttlMillis;
    private final LongSupplier clock;
    private final Map<String, Entry> entries;
    /** Moves on at every invalidation: a lookup that raced one is not cached. */
    private long generation;

    public PrincipalCache(Function<String, Future<Optional<Principal>>> source, long ttlMillis, int maxEntries,
                          LongSupplier clock) {
        this.source = source;
        this.ttlMillis = ttlMillis;
        this.clock = clock;
        this.entries = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    public Future<Optional<Principal>> lookup(String userId) {
        long now = clock.getAsLong();
        long startedAt;
        synchronized (this) {
            Entry cached = entries.get(userId);
            if (cached != null && cached.expiresAt() > now) {
                return Future.succeededFuture(cached.principal());
            }
            startedAt = generation;
        }
        return source.apply(userId).onSuccess(found -> remember(userId, found, startedAt, now + ttlMillis));
    }

    private synchronized void remember(String userId, Optional<Principal> found, long startedAt, long expiresAt) {
        if (generation == startedAt) {
            entries.put(userId, new Entry(found, expiresAt));
        }
    }

    public synchronized void invalidate(String userId) {
        generation++;
        entries.remove(userId);
    }
}
