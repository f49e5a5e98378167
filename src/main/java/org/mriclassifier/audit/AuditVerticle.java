package org.mriclassifier.audit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.db.PoolFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the audit rows of what changes nothing: reads, logins and refusals. (Changes are audited inside their
 * own transactions, see {@link AuditTrail}.) It listens with local consumers only, so on a clustered event bus
 * each process writes the rows of its own requests, once.
 *
 * <p>Entries are written in batches (every {@value #FLUSH_MS} ms, or at {@value #BATCH} entries), so a busy
 * read path costs the database one statement per batch, not one per read; each keeps the time of its event.
 * The buffer is bounded: if the database is away for long, the oldest unwritten entries are dropped and
 * counted in the log.
 *
 * <p>Requests without a valid token, and logins refused unchecked because their client must wait, are not a row
 * each: they are counted per client address and written as one row per kind, address and window ({@code audit.unauthenticated_window_seconds}), with the count, the window
 * and a few of the paths asked for (each cut to {@value AuditTrail#MAX_TEXT} characters). At most
 * {@value #MAX_ADDRESSES} addresses are told apart per window; the rest share one row.
 */
public final class AuditVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(AuditVerticle.class);

    static final int BATCH = 200;
    static final long FLUSH_MS = 100;
    static final int MAX_BUFFERED = 20_000;
    static final int MAX_ADDRESSES = 10_000;
    static final int PATHS_KEPT = 5;
    static final String OTHER_ADDRESSES = "(other addresses)";
    static final String UNAUTHENTICATED = "auth.unauthenticated";

    private final Deque<AuditTrail.Entry> buffer = new ArrayDeque<>();
    private final Map<String, Unauthenticated> unauthenticated = new LinkedHashMap<>();
    private Pool pool;
    private boolean flushing;
    private long dropped;

    /** Requests without a valid token from one address in the current window. */
    private static final class Unauthenticated {
        long count;
        String from;
        String to;
        final Set<String> paths = new LinkedHashSet<>();
    }

    @Override
    public Future<?> start() {
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        long windowMs = config().getJsonObject("audit", new JsonObject())
                .getLong("unauthenticated_window_seconds", 60L) * 1000L;
        List<Future<Void>> registered = new ArrayList<>();
        registered.add(listen(Addresses.AUTH_EVENTS_LOGIN, AuditVerticle::login));
        registered.add(listen(Addresses.SECURITY_EVENTS_DENIED, AuditVerticle::denied));
        registered.add(listen(Addresses.MRI_EVENTS_ACCESSED, AuditVerticle::mriAccessed));
        MessageConsumer<JsonObject> anonymous = vertx.eventBus().localConsumer(
                Addresses.SECURITY_EVENTS_UNAUTHENTICATED, message -> count(message.body()));
        registered.add(anonymous.completion());
        vertx.setPeriodic(FLUSH_MS, id -> flush());
        vertx.setPeriodic(windowMs, id -> closeWindow());
        return Future.all(registered);
    }

    private Future<Void> listen(String address, Function<JsonObject, AuditTrail.Entry> mapping) {
        MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(address, message -> add(mapping.apply(message.body())));
        return consumer.completion();
    }

    private void add(AuditTrail.Entry entry) {
        buffer.addLast(entry);
        if (buffer.size() > MAX_BUFFERED) {
            buffer.pollFirst();
            dropped++;
        }
        if (buffer.size() >= BATCH) {
            flush();
        }
    }

    private void count(JsonObject event) {
        String address = event.getString("address", "unknown");
        String action = event.getString("action", UNAUTHENTICATED);
        String key = action + "\n" + address;
        if (!unauthenticated.containsKey(key) && unauthenticated.size() >= MAX_ADDRESSES) {
            key = action + "\n" + OTHER_ADDRESSES;
        }
        Unauthenticated window = unauthenticated.computeIfAbsent(key, a -> new Unauthenticated());
        String at = event.getString("at", Instant.now().toString());
        window.count++;
        if (window.from == null) {
            window.from = at;
        }
        window.to = at;
        if (window.paths.size() < PATHS_KEPT) {
            window.paths.add(AuditTrail.capped(event.getString("method", "") + " " + event.getString("path", "")));
        }
    }

    /** One row per address for the window that ends now. */
    private void closeWindow() {
        for (Map.Entry<String, Unauthenticated> e : unauthenticated.entrySet()) {
            Unauthenticated w = e.getValue();
            String[] actionAndAddress = e.getKey().split("\n", 2);
            boolean throttled = !actionAndAddress[0].equals(UNAUTHENTICATED);
            add(new AuditTrail.Entry(w.to, new JsonObject().put("address", actionAndAddress[1]), null, actionAndAddress[0],
                    "route", null, "denied", throttled ? 429 : 401, new JsonObject()
                    .put("count", w.count).put("from", w.from).put("to", w.to)
                    .put("paths", new JsonArray(new ArrayList<>(w.paths)))
                    .put("reason", throttled ? "too many failed logins" : "no valid token")));
        }
        unauthenticated.clear();
    }

    /** Writes all that is buffered before the verticle goes (waiting for a batch already on its way). */
    @Override
    public Future<?> stop() {
        closeWindow();
        return drain(50);
    }

    private Future<Void> drain(int attemptsLeft) {
        if (buffer.isEmpty() && !flushing) {
            return Future.succeededFuture();
        }
        if (attemptsLeft == 0) {
            LOG.error("The audit trail lost {} entries at shutdown: the database did not take them", buffer.size());
            return Future.succeededFuture();
        }
        return (flushing ? vertx.timer(20).<Void>mapEmpty() : flush()).transform(done -> drain(attemptsLeft - 1));
    }

    /** Writes what is buffered, one batch at a time; a failed batch goes back to the front of the buffer. */
    private Future<Void> flush() {
        if (flushing || buffer.isEmpty()) {
            return Future.succeededFuture();
        }
        if (dropped > 0) {
            LOG.error("The audit trail lost {} entries while the database was unavailable", dropped);
            dropped = 0;
        }
        List<AuditTrail.Entry> batch = new ArrayList<>(Math.min(BATCH, buffer.size()));
        while (batch.size() < BATCH && !buffer.isEmpty()) {
            batch.add(buffer.pollFirst());
        }
        flushing = true;
        return pool.preparedQuery(AuditTrail.INSERT).executeBatch(batch.stream().map(AuditTrail::tuple).toList())
                .<Void>mapEmpty()
                .onFailure(e -> {
                    LOG.warn("Audit entries not written yet ({}): {}", batch.size(), e.toString());
                    for (int i = batch.size() - 1; i >= 0; i--) {
                        buffer.addFirst(batch.get(i));
                    }
                })
                .eventually(() -> {
                    flushing = false;
                    return Future.succeededFuture();
                })
                .compose(v -> buffer.size() >= BATCH ? flush() : Future.succeededFuture());
    }

    static AuditTrail.Entry mriChanged(JsonObject event) {
        return new AuditTrail.Entry(null, event.getJsonObject("actor"), event.getString("hospital"), "mri." + verb(event),
                "mri", event.getString("id"), "success", null, new JsonObject().put("version", event.getInteger("version")));
    }

    static AuditTrail.Entry mriAccessed(JsonObject event) {
        return new AuditTrail.Entry(event.getString("at"), event.getJsonObject("actor"), event.getString("hospital"),
                event.getString("action"), "mri", event.getString("id"), "success", null, null);
    }

    static AuditTrail.Entry userChanged(JsonObject event) {
        return new AuditTrail.Entry(null, event.getJsonObject("actor"), event.getString("hospital"), "user." + verb(event),
                "user", event.getString("user_name"), "success", null,
                new JsonObject().put("user_id", event.getString("id")).put("role", event.getString("role")));
    }

    static AuditTrail.Entry login(JsonObject event) {
        JsonObject actor = new JsonObject()
                .put("id", event.getString("user_id"))
                .put("user_name", event.getString("user_name"))
                .put("role", event.getString("role"))
                .put("address", event.getString("address"))
                .put("request_id", event.getString("request_id"));
        return new AuditTrail.Entry(event.getString("at"), actor, event.getString("hospital"), "auth.login", "user",
                event.getString("user_name"), event.getString("outcome"), null, null);
    }

    static AuditTrail.Entry denied(JsonObject event) {
        JsonObject actor = event.getJsonObject("actor");
        return new AuditTrail.Entry(event.getString("at"), actor, actor == null ? null : actor.getString("hospital"),
                event.getString("action"), event.getString("target_type"), event.getString("target_id"), "denied",
                event.getInteger("status"), new JsonObject().put("reason", AuditTrail.capped(event.getString("reason"))));
    }

    private static String verb(JsonObject event) {
        return switch (event.getString("action")) {
            case "created" -> "create";
            case "updated" -> "update";
            case "deleted" -> "delete";
            case "reclassified" -> "classify";
            default -> event.getString("action");
        };
    }
}
