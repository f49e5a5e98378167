package org.mriclassifier.audit;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/**
 * The audit trail's writing side, shared by the services and {@link AuditVerticle}.
 *
 * <p>A change to the data is audited inside its own transaction (a transactional outbox whose outbox is the
 * audit trail itself): the audit row commits with the change or neither does, so a crash can never keep a
 * change and lose its row, and each row is written once, by the process that made the change, however many
 * processes share the database. Only after the commit is the event published on the bus, for the verticles
 * that react to it (the token cache, extensions): a crash between the commit and the publish loses that
 * notification, never the audit row.
 */
public final class AuditTrail {

    /** Longest text kept in a column (paths, names, reasons chosen by clients), so a row stays small. */
    public static final int MAX_TEXT = 256;

    static final String INSERT = """
            INSERT INTO audit_log (at, actor_id, actor_name, actor_role, hospital, action, target_type, target_id,
                                   outcome, status, address, request_id, details)
            VALUES (COALESCE($1::text::timestamptz, now()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""";

    private AuditTrail() {
    }

    /** One audit row; {@code at} null means the transaction's time. */
    public record Entry(String at, JsonObject actor, String hospital, String action, String targetType,
                        String targetId, String outcome, Integer status, JsonObject details) {
    }

    /** Writes the row of a change, in the change's transaction. */
    public static Future<Void> append(SqlClient tx, Entry entry) {
        return tx.preparedQuery(INSERT).execute(tuple(entry)).mapEmpty();
    }

    /** {@code users.events.changed}: written with the change, then published. */
    public static Future<Void> userChanged(SqlClient tx, JsonObject event) {
        return append(tx, AuditVerticle.userChanged(event));
    }

    /** {@code mri.events.changed}: written with the change, then published. */
    public static Future<Void> mriChanged(SqlClient tx, JsonObject event) {
        return append(tx, AuditVerticle.mriChanged(event));
    }

    /**
     * The audit row of a new MRI row whose id and version the database gives it (see
     * {@code MriRepository.insertAudited}): written in the upload's own statement, like {@link #mriChanged}'s.
     */
    public static Entry mriCreated(JsonObject actor, String hospital) {
        return new Entry(null, actor, hospital, "mri.create", "mri", null, "success", null, null);
    }

    public static Tuple tuple(Entry e) {
        JsonObject actor = e.actor() == null ? new JsonObject() : e.actor();
        String actorId = actor.getString("id");
        UUID actorUuid;
        try {
            actorUuid = actorId == null ? null : UUID.fromString(actorId);
        } catch (IllegalArgumentException notOurs) {
            actorUuid = null;
        }
        return Tuple.tuple()
                .addString(e.at())
                .addUUID(actorUuid)
                .addString(capped(actor.getString("user_name")))
                .addString(actor.getString("role"))
                .addString(capped(e.hospital()))
                .addString(capped(e.action()))
                .addString(e.targetType())
                .addString(capped(e.targetId()))
                .addString(e.outcome())
                .addInteger(e.status())
                .addString(capped(actor.getString("address")))
                .addString(capped(actor.getString("request_id")))
                .addValue(e.details());
    }

    /** At most {@link #MAX_TEXT} characters; a cut value says so with a trailing ellipsis. */
    public static String capped(String text) {
        if (text == null || text.length() <= MAX_TEXT) {
            return text;
        }
        return text.substring(0, MAX_TEXT - 1) + "…";
    }
}
