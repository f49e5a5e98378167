package org.mriclassifier.audit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
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
 */
public final class AuditVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(AuditVerticle.class);

    private static final String INSERT = """
            INSERT INTO audit_log (actor_id, actor_name, actor_role, hospital, action, target_type, target_id,
                                   outcome, status, address, request_id, details)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""";

    private Pool pool;

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
        return Future.all(registered);
    }

    private Future<Void> listen(String address, Function<JsonObject, Entry> mapping) {
        MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, message -> {
            Entry entry = mapping.apply(message.body());
            write(entry).onFailure(e -> LOG.error("Audit entry for {} on {} {} not written: {}",
                    entry.action(), entry.targetType(), entry.targetId(), e.toString()));
        });
        return consumer.completion();
    }

    public Future<Void> write(Entry e) {
        JsonObject actor = e.actor() == null ? new JsonObject() : e.actor();
        String actorId = actor.getString("id");
        return pool.preparedQuery(INSERT).execute(Tuple.tuple()
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
                        .addValue(e.details()))
                .mapEmpty();
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
            default -> event.getString("action");
        };
    }
}
