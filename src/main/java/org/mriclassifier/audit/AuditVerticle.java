package org.mriclassifier.audit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.db.PoolFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the append-only audit trail: it listens to the data and security events every service publishes
 * and stores who did what to which row, when, from where, and with what outcome (denials included).
 * It only reads events, so any other verticle's events can join the trail by being mapped here.
 *
 * <p>Entries are written in batches (every {@value #FLUSH_MS} ms, or at {@value #BATCH} entries), so a busy
 * read path costs the database one statement per batch, not one per read. The buffer is bounded: if the
 * database is away for long, the oldest unwritten entries are dropped and counted in the log.
 */
public final class AuditVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(AuditVerticle.class);

    private static final String INSERT = """
            INSERT INTO audit_log (actor_id, actor_name, actor_role, hospital, action, target_type, target_id,
                                   outcome, status, address, request_id, details)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""";

    static final int BATCH = 200;
    static final long FLUSH_MS = 100;
    static final int MAX_BUFFERED = 20_000;

    private final Deque<Entry> buffer = new ArrayDeque<>();
    private Pool pool;
    private boolean flushing;
    private long dropped;

    /** One audit row. */
    public record Entry(JsonObject actor, String hospital, String action, String targetType, String targetId,
                        String outcome, Integer status, JsonObject details) {
    }

    @Override
    public Future<?> start() {
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        List<Future<Void>> registered = new ArrayList<>();
        registered.add(listen(Addresses.USERS_EVENTS_CHANGED, AuditVerticle::userChanged));
        registered.add(listen(Addresses.AUTH_EVENTS_LOGIN, AuditVerticle::login));
        registered.add(listen(Addresses.SECURITY_EVENTS_DENIED, AuditVerticle::denied));
        registered.add(listen(Addresses.MRI_EVENTS_CHANGED, AuditVerticle::mriChanged));
        registered.add(listen(Addresses.MRI_EVENTS_ACCESSED, AuditVerticle::mriAccessed));
        vertx.setPeriodic(FLUSH_MS, id -> flush());
        return Future.all(registered);
    }

    private Future<Void> listen(String address, Function<JsonObject, Entry> mapping) {
        MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, message -> {
            buffer.addLast(mapping.apply(message.body()));
            if (buffer.size() > MAX_BUFFERED) {
                buffer.pollFirst();
                dropped++;
            }
            if (buffer.size() >= BATCH) {
                flush();
            }
        });
        return consumer.completion();
    }

    /** Writes all that is buffered before the verticle goes (waiting for a batch already on its way). */
    @Override
    public Future<?> stop() {
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
        List<Entry> batch = new ArrayList<>(Math.min(BATCH, buffer.size()));
        while (batch.size() < BATCH && !buffer.isEmpty()) {
            batch.add(buffer.pollFirst());
        }
        flushing = true;
        return pool.preparedQuery(INSERT).executeBatch(batch.stream().map(AuditVerticle::tuple).toList())
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

    private static Tuple tuple(Entry e) {
        JsonObject actor = e.actor() == null ? new JsonObject() : e.actor();
        String actorId = actor.getString("id");
        return Tuple.tuple()
                .addUUID(actorId == null ? null : UUID.fromString(actorId))
                .addString(actor.getString("user_name"))
                .addString(actor.getString("role"))
                .addString(e.hospital())
                .addString(e.action())
                .addString(e.targetType())
                .addString(e.targetId())
                .addString(e.outcome())
                .addInteger(e.status())
                .addString(actor.getString("address"))
                .addString(actor.getString("request_id"))
                .addValue(e.details());
    }

    static Entry mriChanged(JsonObject event) {
        return new Entry(event.getJsonObject("actor"), event.getString("hospital"), "mri." + verb(event), "mri",
                event.getString("id"), "success", null, new JsonObject().put("version", event.getInteger("version")));
    }

    static Entry mriAccessed(JsonObject event) {
        return new Entry(event.getJsonObject("actor"), event.getString("hospital"), event.getString("action"), "mri",
                event.getString("id"), "success", null, null);
    }

    static Entry userChanged(JsonObject event) {
        return new Entry(event.getJsonObject("actor"), event.getString("hospital"), "user." + verb(event),
                "user", event.getString("user_name"), "success", null,
                new JsonObject().put("user_id", event.getString("id")).put("role", event.getString("role")));
    }

    static Entry login(JsonObject event) {
        JsonObject actor = new JsonObject()
                .put("id", event.getString("user_id"))
                .put("user_name", event.getString("user_name"))
                .put("role", event.getString("role"))
                .put("address", event.getString("address"))
                .put("request_id", event.getString("request_id"));
        return new Entry(actor, event.getString("hospital"), "auth.login", "user", event.getString("user_name"),
                event.getString("outcome"), null, null);
    }

    static Entry denied(JsonObject event) {
        JsonObject actor = event.getJsonObject("actor");
        return new Entry(actor, actor == null ? null : actor.getString("hospital"), event.getString("action"),
                event.getString("target_type"), event.getString("target_id"), "denied", event.getInteger("status"),
                new JsonObject().put("reason", event.getString("reason")));
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
