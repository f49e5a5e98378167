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
 * client does not cost a query per request. Entries are dropped as soon as a {@code users.events.changed}
 * event names the user, so a revoked token fails on its next request; the time limit only covers events lost
 * between nodes. Confined to one event loop; bounded in size.
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
        Entry cached = entries.get(userId);
        long now = clock.getAsLong();
        if (cached != null && cached.expiresAt() > now) {
            return Future.succeededFuture(cached.principal());
        }
        long startedAt = generation;
        return source.apply(userId).onSuccess(found -> {
            if (generation == startedAt) {
                entries.put(userId, new Entry(found, now + ttlMillis));
            }
        });
    }

    public void invalidate(String userId) {
        generation++;
        entries.remove(userId);
    }
}
