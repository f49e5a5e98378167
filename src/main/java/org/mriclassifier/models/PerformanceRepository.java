package org.mriclassifier.models;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The SQL behind a model's performance: its confirmed rows, and its prediction mix over time. */
final class PerformanceRepository {

    /** The filters; null means any. {@code scope} is the hospital a non-admin is limited to. */
    record Filter(String version, String scope, String hospital, String gender, OffsetDateTime from, OffsetDateTime to) {

        boolean none() {
            return scope == null && hospital == null && gender == null && from == null && to == null;
        }
    }

    private static final String WHERE = """
            model_version = $1
            AND ($2::text IS NULL OR hospital = $2)
            AND ($3::text IS NULL OR hospital = $3)
            AND ($4::text IS NULL OR gender = $4)
            AND ($5::timestamptz IS NULL OR created_at >= $5)
            AND ($6::timestamptz IS NULL OR created_at < $6)""";

    private PerformanceRepository() {
    }

    private static Tuple args(Filter f) {
        return Tuple.tuple().addString(f.version()).addString(f.scope()).addString(f.hospital()).addString(f.gender())
                .addOffsetDateTime(f.from()).addOffsetDateTime(f.to());
    }

    /**
     * The rows classified by the version whose class a person confirmed; at most {@code limit} + 1 (one more says
     * the filters match too many).
     */
    static Future<List<Performance.Case>> confirmed(SqlClient db, Filter f, int limit) {
        return db.preparedQuery("""
                        SELECT hospital, gender, label, prediction, probability, unfamiliar FROM mri
                        WHERE class_confirmed AND label IS NOT NULL AND %s
                        LIMIT $7""".formatted(WHERE))
                .execute(args(f).addInteger(limit + 1))
                .map(rows -> {
                    List<Performance.Case> cases = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        cases.add(new Performance.Case(row.getString("hospital"), row.getString("gender"),
                                "tumor".equals(row.getString("label")), "tumor".equals(row.getString("prediction")),
                                row.getFloat("probability"), row.getBoolean("unfamiliar")));
                    }
                    return cases;
                });
    }

    /** Every row classified by the version (confirmed or not), by UTC day or ISO week: count, tumor share, unfamiliar share. */
    static Future<JsonArray> mix(SqlClient db, Filter f, String unit) {
        return db.preparedQuery("""
                        SELECT date_trunc('%s', created_at AT TIME ZONE 'UTC') AS period, count(*) AS n,
                               count(*) FILTER (WHERE prediction = 'tumor') AS tumor,
                               count(*) FILTER (WHERE unfamiliar) AS unfamiliar
                        FROM mri WHERE %s GROUP BY 1 ORDER BY 1""".formatted("week".equals(unit) ? "week" : "day", WHERE))
                .execute(args(f))
                .map(rows -> {
                    JsonArray out = new JsonArray();
                    for (Row row : rows) {
                        long n = row.getLong("n");
                        out.add(new JsonObject()
                                .put("start", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(row.getLocalDateTime("period").atOffset(ZoneOffset.UTC)))
                                .put("n", n)
                                .put("predicted_tumor", row.getLong("tumor"))
                                .put("tumor_share", (double) row.getLong("tumor") / n)
                                .put("unfamiliar_share", (double) row.getLong("unfamiliar") / n));
                    }
                    return out;
                });
    }
}
