package org.mriclassifier.mri;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.mriclassifier.audit.AuditTrail;
import org.mriclassifier.mri.images.ImageStore;

/**
 * All SQL on the mri table; the image bytes through the {@link ImageStore}. Callers pass the pool, or a connection
 * inside a transaction.
 */
public final class MriRepository {

    private final ImageStore images;

    public MriRepository(ImageStore images) {
        this.images = images;
    }

    public static final String UNIQUE_IMAGE = "mri_hospital_sha256_key";

    private static final String COLUMNS = """
            id, gender, hospital, label, prediction, probability, model_version, image_sha256, content_type,
            size_bytes, width, height, created_by_name, created_at, updated_at, version, unfamiliar, unfamiliar_score,
            class_confirmed, updated_by_name""";

    /** A new row and its bytes. */
    public record NewRow(UUID id, String gender, String hospital, String label, String prediction, float probability,
                         String modelVersion, String sha256, String contentType, int width, int height,
                         UUID createdBy, String createdByName, byte[] bytes, boolean unfamiliar, Float unfamiliarScore) {
    }

    /** The stored bytes of a row, with what is needed to check and serve them. */
    public record Image(String hospital, byte[] bytes, String contentType, String sha256) {
    }

    /** The filters of a list; null means any. {@code after} is the last row of the previous page. */
    public record ListQuery(String scopeHospital, String hospital, String gender, String label, boolean unlabelled,
                            String prediction, OffsetDateTime from, OffsetDateTime to, Cursor after, int limit, Boolean unfamiliar) {
    }

    /** A position in the newest-first order. */
    public record Cursor(OffsetDateTime createdAt, UUID id) {
    }

    /**
     * Inserts the row, then its bytes (into mri_image, or as an object), both before the transaction commits: a
     * row never commits without its bytes; bytes whose transaction failed are released by the caller.
     */
    public Future<MriRow> insert(SqlConnection tx, NewRow r) {
        return tx.preparedQuery("""
                        INSERT INTO mri (id, gender, hospital, label, prediction, probability, model_version, image_sha256,
                                         content_type, size_bytes, width, height, created_by, created_by_name,
                                         unfamiliar, unfamiliar_score, class_confirmed)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $4::text IS NOT NULL)
                        RETURNING %s""".formatted(COLUMNS))
                .execute(Tuple.tuple().addUUID(r.id()).addString(r.gender()).addString(r.hospital())
                        .addString(r.label()).addString(r.prediction()).addFloat(r.probability())
                        .addString(r.modelVersion()).addString(r.sha256()).addString(r.contentType())
                        .addInteger(r.bytes().length).addInteger(r.width()).addInteger(r.height())
                        .addUUID(r.createdBy()).addString(r.createdByName())
                        .addBoolean(r.unfamiliar()).addFloat(r.unfamiliarScore()))
                .compose(rows -> images.write(tx, r.id(), r.sha256(), r.bytes())
                        .map(done -> toRow(rows.iterator().next())));
    }

    /**
     * An upload in one statement, so one round trip: the row, its bytes and its audit row ({@code audit}, the
     * parameters of {@link AuditTrail#INSERT} but for the target id and details, which come from the new row),
     * atomic as any single statement is; only with the postgres image store. Empty when the hospital already stores these bytes (nothing is written).
     */
    public Future<Optional<MriRow>> insertAudited(SqlClient db, NewRow r, AuditTrail.Entry audit) {
        if (!images.inDatabase()) {
            // an object store writes the object inside the row's transaction ({@link #insert})
            throw new IllegalStateException("one-statement insert needs the image store in the database");
        }
        Tuple audited = AuditTrail.tuple(audit);
        Tuple t = Tuple.tuple().addUUID(r.id()).addString(r.gender()).addString(r.hospital())
                .addString(r.label()).addString(r.prediction()).addFloat(r.probability())
                .addString(r.modelVersion()).addString(r.sha256()).addString(r.contentType())
                .addInteger(r.bytes().length).addInteger(r.width()).addInteger(r.height())
                .addUUID(r.createdBy()).addString(r.createdByName())
                .addBoolean(r.unfamiliar()).addFloat(r.unfamiliarScore())
                .addBuffer(Buffer.buffer(r.bytes()));
        // the audit row's at, actor id/name/role, hospital, action, target type, outcome, status, address, request id
        for (int i : new int[] {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11}) {
            t.addValue(audited.getValue(i));
        }
        return db.preparedQuery(INSERT_AUDITED).execute(t).map(MriRepository::first);
    }

    private static final String INSERT_AUDITED = """
            WITH created AS (
                INSERT INTO mri (id, gender, hospital, label, prediction, probability, model_version, image_sha256,
                                 content_type, size_bytes, width, height, created_by, created_by_name,
                                 unfamiliar, unfamiliar_score, class_confirmed)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $4::text IS NOT NULL)
                ON CONFLICT ON CONSTRAINT mri_hospital_sha256_key DO NOTHING
                RETURNING %s),
            image AS (
                INSERT INTO mri_image (mri_id, bytes) SELECT id, $17 FROM created),
            audit AS (
                INSERT INTO audit_log (at, actor_id, actor_name, actor_role, hospital, action, target_type, target_id,
                                       outcome, status, address, request_id, details)
                SELECT COALESCE($18::text::timestamptz, now()), $19, $20, $21, $22, $23, $24, id::text, $25, $26, $27,
                       $28, jsonb_build_object('version', version)
                FROM created)
            SELECT * FROM created""".formatted(COLUMNS);

    public Future<Optional<MriRow>> findById(SqlClient db, UUID id) {
        return db.preparedQuery("SELECT %s FROM mri WHERE id = $1".formatted(COLUMNS)).execute(Tuple.of(id))
                .map(MriRepository::first);
    }

    public Future<Optional<MriRow>> findByIdForUpdate(SqlClient tx, UUID id) {
        return tx.preparedQuery("SELECT %s FROM mri WHERE id = $1 FOR UPDATE".formatted(COLUMNS)).execute(Tuple.of(id))
                .map(MriRepository::first);
    }

    public Future<Optional<UUID>> findBySha(SqlClient db, String hospital, String sha256) {
        return db.preparedQuery("SELECT id FROM mri WHERE hospital = $1 AND image_sha256 = $2")
                .execute(Tuple.of(hospital, sha256))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("id")));
    }

    public Future<Optional<Image>> findImage(SqlClient db, UUID id) {
        if (!images.inDatabase()) {
            return db.preparedQuery("SELECT hospital, content_type, image_sha256 FROM mri WHERE id = $1").execute(Tuple.of(id))
                    .compose(rows -> {
                        if (rows.size() == 0) {
                            return Future.succeededFuture(Optional.<Image>empty());
                        }
                        Row row = rows.iterator().next();
                        return images.read(db, id, row.getString("image_sha256")).map(bytes -> bytes.map(b -> new Image(
                                row.getString("hospital"), b, row.getString("content_type"), row.getString("image_sha256"))));
                    });
        }
        return db.preparedQuery("""
                        SELECT m.hospital, m.content_type, m.image_sha256, i.bytes
                        FROM mri m JOIN mri_image i ON i.mri_id = m.id WHERE m.id = $1""")
                .execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    return Optional.of(new Image(row.getString("hospital"), row.getBuffer("bytes").getBytes(),
                            row.getString("content_type"), row.getString("image_sha256")));
                });
    }

    /**
     * Writes the new metadata of a locked row, moving its version on. {@code classSet}: a person set the class
     * (or cleared it) in this change, so it is confirmed (or no longer is); otherwise its confirmation stays.
     * {@code actorName} is who changed it (a stale If-Match's 412 names them).
     */
    public Future<MriRow> updateMetadata(SqlClient tx, UUID id, String gender, String label, String hospital, boolean classSet,
                                         String actorName) {
        return tx.preparedQuery("""
                        UPDATE mri SET gender = $2, label = $3, hospital = $4, version = version + 1, updated_at = now(),
                                       class_confirmed = CASE WHEN $5 THEN $3::text IS NOT NULL ELSE class_confirmed END,
                                       updated_by_name = $6
                        WHERE id = $1 RETURNING %s""".formatted(COLUMNS))
                .execute(Tuple.of(id, gender, label, hospital, classSet, actorName))
                .map(rows -> toRow(rows.iterator().next()));
    }

    public Future<MriRow> updatePrediction(SqlClient tx, UUID id, String prediction, float probability, String modelVersion,
                                           boolean unfamiliar, Float unfamiliarScore, String actorName) {
        return tx.preparedQuery("""
                        UPDATE mri SET prediction = $2, probability = $3, model_version = $4, unfamiliar = $5,
                                       unfamiliar_score = $6, version = version + 1, updated_at = now(), updated_by_name = $7
                        WHERE id = $1 RETURNING %s""".formatted(COLUMNS))
                .execute(Tuple.tuple().addUUID(id).addString(prediction).addFloat(probability).addString(modelVersion)
                        .addBoolean(unfamiliar).addFloat(unfamiliarScore).addString(actorName))
                .map(rows -> toRow(rows.iterator().next()));
    }

    public Future<Void> delete(SqlClient tx, UUID id) {
        return tx.preparedQuery("DELETE FROM mri WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
    }

    private static final String FILTERS = """
            ($1::text IS NULL OR hospital = $1)
            AND ($2::text IS NULL OR hospital = $2)
            AND ($3::text IS NULL OR gender = $3)
            AND ($4::text IS NULL OR label = $4)
            AND (NOT $5::boolean OR label IS NULL)
            AND ($6::text IS NULL OR prediction = $6)
            AND ($7::timestamptz IS NULL OR created_at >= $7)
            AND ($8::timestamptz IS NULL OR created_at < $8)
            AND ($9::boolean IS NULL OR unfamiliar = $9)""";

    private static Tuple filterArgs(ListQuery q) {
        return Tuple.tuple().addString(q.scopeHospital()).addString(q.hospital()).addString(q.gender())
                .addString(q.label()).addBoolean(q.unlabelled()).addString(q.prediction())
                .addOffsetDateTime(q.from()).addOffsetDateTime(q.to()).addBoolean(q.unfamiliar());
    }

    /** One page, newest first; the row after the last one is fetched only to know whether there is more. */
    public Future<List<MriRow>> page(SqlClient db, ListQuery q) {
        Tuple args = filterArgs(q)
                .addOffsetDateTime(q.after() == null ? null : q.after().createdAt())
                .addUUID(q.after() == null ? null : q.after().id())
                .addInteger(q.limit() + 1);
        return db.preparedQuery("""
                        SELECT %s FROM mri WHERE %s
                          AND ($10::timestamptz IS NULL OR (created_at, id) < ($10, $11::uuid))
                        ORDER BY created_at DESC, id DESC
                        LIMIT $12""".formatted(COLUMNS, FILTERS))
                .execute(args)
                .map(rows -> {
                    List<MriRow> list = new ArrayList<>(rows.size());
                    rows.forEach(row -> list.add(toRow(row)));
                    return list;
                });
    }

    /**
     * Counts of every row matching the filters, by ground-truth class and by prediction, read from the counters the
     * database keeps (V6: mri_counts_total without a date filter, mri_counts by UTC day with one), so a first page
     * never scans the matching rows. A date bound inside a day (not at 00:00 UTC) is the one thing the counters
     * cannot answer: the whole days between the bounds still come from them, and only the part-days at either end
     * are counted from the rows (at most two days of them, by the created_at indexes). See {@link SummaryPlan}.
     */
    public Future<JsonObject> summary(SqlClient db, ListQuery q) {
        SummaryPlan plan = SummaryPlan.of(q.from(), q.to());
        List<Future<RowSet<Row>>> parts = new ArrayList<>();
        if (plan.total()) {
            parts.add(db.preparedQuery(COUNTS_TOTAL).execute(countArgs(q)));
        }
        if (plan.days()) {
            // one hospital (the caller's scope or the filter): its slice of the primary key (hospital, day, ...);
            // a prepared statement's generic plan cannot use an index for "$1 IS NULL OR hospital = $1"
            String hospital = q.scopeHospital() != null ? q.scopeHospital() : q.hospital();
            parts.add(hospital == null
                    ? db.preparedQuery(COUNTS_BY_DAY).execute(countArgs(q).addLocalDate(plan.firstDay()).addLocalDate(plan.endDay()))
                    : db.preparedQuery(COUNTS_BY_DAY_OF_HOSPITAL).execute(countArgs(q).addLocalDate(plan.firstDay())
                            .addLocalDate(plan.endDay()).addString(hospital)));
        }
        for (SummaryPlan.Range range : plan.scans()) {
            parts.add(db.preparedQuery(SCAN_RANGE).execute(filterArgs(q, range.from(), range.to())));
        }
        return Future.all(parts).map(all -> {
            JsonObject byClass = new JsonObject().put("tumor", 0L).put("healthy", 0L).put("none", 0L);
            JsonObject byPrediction = new JsonObject().put("tumor", 0L).put("healthy", 0L);
            long total = 0;
            for (int i = 0; i < all.size(); i++) {
                RowSet<Row> rows = all.resultAt(i);
                for (Row row : rows) {
                    long n = row.getLong("n");
                    total += n;
                    byClass.put(row.getString("label"), byClass.getLong(row.getString("label")) + n);
                    byPrediction.put(row.getString("prediction"), byPrediction.getLong(row.getString("prediction")) + n);
                }
            }
            return new JsonObject().put("total", total).put("by_class", byClass).put("by_prediction", byPrediction);
        });
    }

    private static final String COUNT_FILTERS = """
            ($1::text IS NULL OR hospital = $1)
            AND ($2::text IS NULL OR hospital = $2)
            AND ($3::text IS NULL OR gender = $3)
            AND ($4::text IS NULL OR label = $4)
            AND (NOT $5::boolean OR label = 'none')
            AND ($6::text IS NULL OR prediction = $6)
            AND ($7::boolean IS NULL OR unfamiliar = $7)""";

    private static final String COUNTS_TOTAL = """
            SELECT label, prediction, sum(n)::bigint AS n FROM mri_counts_total WHERE %s
            GROUP BY 1, 2""".formatted(COUNT_FILTERS);

    /** Whole UTC days [$8, $9); an open end is an infinite date, so the day index serves it in any plan. */
    private static final String COUNTS_BY_DAY = """
            SELECT label, prediction, sum(n)::bigint AS n FROM mri_counts WHERE %s
              AND day >= coalesce($8::date, '-infinity'::date) AND day < coalesce($9::date, 'infinity'::date)
            GROUP BY 1, 2""".formatted(COUNT_FILTERS);

    /** As {@link #COUNTS_BY_DAY} for one hospital ($10): a range of the primary key. */
    private static final String COUNTS_BY_DAY_OF_HOSPITAL = """
            SELECT label, prediction, sum(n)::bigint AS n FROM mri_counts WHERE %s AND hospital = $10
              AND day >= coalesce($8::date, '-infinity'::date) AND day < coalesce($9::date, 'infinity'::date)
            GROUP BY 1, 2""".formatted(COUNT_FILTERS);

    /** The rows of a part-day [$7, $8), both bounds given, counted from the rows. */
    private static final String SCAN_RANGE = """
            SELECT coalesce(label, 'none') AS label, prediction, count(*) AS n
            FROM mri WHERE ($1::text IS NULL OR hospital = $1)
              AND ($2::text IS NULL OR hospital = $2)
              AND ($3::text IS NULL OR gender = $3)
              AND ($4::text IS NULL OR label = $4)
              AND (NOT $5::boolean OR label IS NULL)
              AND ($6::text IS NULL OR prediction = $6)
              AND created_at >= $7 AND created_at < $8
              AND ($9::boolean IS NULL OR unfamiliar = $9)
            GROUP BY 1, 2""";

    private static Tuple countArgs(ListQuery q) {
        return Tuple.tuple().addString(q.scopeHospital()).addString(q.hospital()).addString(q.gender())
                .addString(q.label()).addBoolean(q.unlabelled()).addString(q.prediction()).addBoolean(q.unfamiliar());
    }

    private static Tuple filterArgs(ListQuery q, OffsetDateTime from, OffsetDateTime to) {
        return Tuple.tuple().addString(q.scopeHospital()).addString(q.hospital()).addString(q.gender())
                .addString(q.label()).addBoolean(q.unlabelled()).addString(q.prediction())
                .addOffsetDateTime(from).addOffsetDateTime(to).addBoolean(q.unfamiliar());
    }

    static JsonArray toJson(List<MriRow> rows) {
        JsonArray items = new JsonArray();
        rows.forEach(r -> items.add(r.toJson()));
        return items;
    }

    private static Optional<MriRow> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(toRow(rows.iterator().next()));
    }

    static MriRow toRow(Row row) {
        return new MriRow(row.getUUID("id"), row.getString("gender"), row.getString("hospital"), row.getString("label"),
                row.getString("prediction"), row.getFloat("probability"), row.getString("model_version"),
                row.getString("image_sha256"), row.getString("content_type"), row.getInteger("size_bytes"),
                row.getInteger("width"), row.getInteger("height"), row.getString("created_by_name"),
                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"), row.getInteger("version"),
                row.getBoolean("unfamiliar"), row.getFloat("unfamiliar_score"), row.getBoolean("class_confirmed"),
                row.getString("updated_by_name"));
    }
}
