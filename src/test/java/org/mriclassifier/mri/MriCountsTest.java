package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import picocli.CommandLine;

/**
 * The summary's counters (V6) against a COUNT(*) of the rows, after every kind of write: uploads, class changes,
 * deletes, a manual UPDATE in SQL, a bulk INSERT, an import, and a transaction that rolled back.
 */
@DisplayName("The list's counts are kept by the database with every write and match a scan of the rows")
class MriCountsTest {

    static Vertx vertx;
    static TestServer server;
    static String admin;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        server = TestServer.start(vertx).await();
        admin = server.adminToken().await();
    }

    @AfterAll
    static void stop() {
        server.stop().await();
        vertx.close().await();
    }

    @Test
    @DisplayName("after uploads, class changes, deletes, manual SQL, a bulk insert, an import and a rollback, the counters equal a scan, and GET /MRI's summary equals COUNT(*) for each filter")
    void countersFollowEveryWrite() throws Exception {
        List<JsonObject> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rows.add(server.uploaded(admin, TestImages.png(19000 + i), i % 2 == 0 ? "Count A" : "Count B").await());
        }
        assertCountersMatchScan("uploads");

        // a class change (PATCH) and a full replace (PUT) move rows between keys
        patch(rows.get(0), new JsonObject().put("class", "tumor"));
        patch(rows.get(1), new JsonObject().put("class", "healthy").put("gender", "male"));
        assertCountersMatchScan("class changes");

        HttpResponse<Buffer> deleted = server.client.delete("/MRI/" + rows.get(2).getString("id"))
                .bearerTokenAuthentication(admin).send().await();
        assertEquals(204, deleted.statusCode(), deleted.bodyAsString());
        assertCountersMatchScan("a delete");

        // writes that bypass the service: a manual fix, a restore-style bulk insert spread over days, a bulk delete
        sql("UPDATE mri SET hospital = 'Count C', label = NULL WHERE id = '" + rows.get(3).getString("id") + "'");
        sql(BULK_INSERT);
        sql("UPDATE mri SET prediction = 'tumor', unfamiliar = true WHERE hospital = 'Bulk' AND width = 7");
        sql("DELETE FROM mri WHERE hospital = 'Bulk' AND width = 3");
        assertCountersMatchScan("manual SQL");

        // an import goes through the import command, with its own backend on the same database
        Path folder = TestServer.tempDir();
        Files.createDirectories(folder.resolve("yes"));
        Files.createDirectories(folder.resolve("no"));
        Files.write(folder.resolve("yes/a.png"), TestImages.png(19100));
        Files.write(folder.resolve("no/b.png"), TestImages.png(19101));
        Map<String, String> env = Map.of("MRI_DB_URL", server.dbUri, "MRI_MODEL_DIR", TestServer.modelDir(),
                "MRI_DATA_DIR", TestServer.tempDir().toString(), "MRI_INFERENCE_INTRA_OP_THREADS", "1");
        assertEquals(0, new CommandLine(new ImportCommand(env)).execute("--data", folder.toString(), "--hospital", "Count Import"));
        assertEquals(2L, scalar("SELECT count(*) FROM mri WHERE hospital = 'Count Import'"));
        assertCountersMatchScan("an import");

        // a transaction that rolls back leaves no count behind; so does a statement that fails half-way
        long before = scalar("SELECT sum(n) FROM mri_counts_total");
        SharedPostgres.query(server.dbUri, c -> {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(BULK_INSERT.replace("'Bulk'", "'Rolled back'"));
                s.execute("DELETE FROM mri WHERE hospital = 'Count A'");
            }
            c.rollback();
            return null;
        });
        assertThrows(IllegalStateException.class, () -> sql(BULK_INSERT)); // the same images again: unique violation
        assertEquals(before, scalar("SELECT sum(n) FROM mri_counts_total"));
        assertCountersMatchScan("a rollback");

        // GET /MRI's summary, for each filter the list has, against COUNT(*) on the rows
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("", "true");
        filters.put("hospital=Bulk", "hospital = 'Bulk'");
        filters.put("hospital=Count%20A&gender=female", "hospital = 'Count A' AND gender = 'female'");
        filters.put("class=none", "label IS NULL");
        filters.put("class=tumor&prediction=tumor", "label = 'tumor' AND prediction = 'tumor'");
        filters.put("unfamiliar=true", "unfamiliar");
        filters.put("prediction=healthy&unfamiliar=false", "prediction = 'healthy' AND NOT unfamiliar");
        // whole days (counters only), part-days at either end (counters + a scan of the part-days), inside one day
        String dayStart = "date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
        String aligned = timestamp(dayStart + " - interval '5 days'");
        String alignedEnd = timestamp(dayStart + " - interval '1 day'");
        String inside = timestamp(dayStart + " - interval '9 days 5 hours 17 minutes'");
        String insideEnd = timestamp(dayStart + " - interval '2 days 3 hours'");
        String sameDay = timestamp(dayStart + " - interval '9 days 1 hour'");
        filters.put("from=" + aligned, "created_at >= '" + aligned + "'");
        filters.put("to=" + alignedEnd + "&hospital=Bulk", "created_at < '" + alignedEnd + "' AND hospital = 'Bulk'");
        filters.put("from=" + aligned + "&to=" + alignedEnd, "created_at >= '" + aligned + "' AND created_at < '" + alignedEnd + "'");
        filters.put("from=" + inside, "created_at >= '" + inside + "'");
        filters.put("to=" + insideEnd + "&class=healthy", "created_at < '" + insideEnd + "' AND label = 'healthy'");
        filters.put("from=" + inside + "&to=" + insideEnd + "&gender=male",
                "created_at >= '" + inside + "' AND created_at < '" + insideEnd + "' AND gender = 'male'");
        filters.put("from=" + inside + "&to=" + sameDay, "created_at >= '" + inside + "' AND created_at < '" + sameDay + "'");
        filters.put("from=" + insideEnd + "&to=" + inside, "false");
        for (Map.Entry<String, String> filter : filters.entrySet()) {
            String query = filter.getKey();
            HttpResponse<Buffer> page = server.client.get("/MRI?limit=1&" + query).bearerTokenAuthentication(admin).send().await();
            assertEquals(200, page.statusCode(), query + ": " + page.bodyAsString());
            JsonObject summary = page.bodyAsJsonObject().getJsonObject("summary");
            String where = filter.getValue();
            JsonObject expected = new JsonObject()
                    .put("total", scalar("SELECT count(*) FROM mri WHERE " + where))
                    .put("by_class", new JsonObject()
                            .put("tumor", scalar("SELECT count(*) FROM mri WHERE label = 'tumor' AND " + where))
                            .put("healthy", scalar("SELECT count(*) FROM mri WHERE label = 'healthy' AND " + where))
                            .put("none", scalar("SELECT count(*) FROM mri WHERE label IS NULL AND " + where)))
                    .put("by_prediction", new JsonObject()
                            .put("tumor", scalar("SELECT count(*) FROM mri WHERE prediction = 'tumor' AND " + where))
                            .put("healthy", scalar("SELECT count(*) FROM mri WHERE prediction = 'healthy' AND " + where)));
            assertEquals(expected, summary, query);
        }
        // the filters above are not all trivial: the data set spans days and classes
        assertEquals(true, scalar("SELECT count(DISTINCT (created_at AT TIME ZONE 'UTC')::date) FROM mri") > 10);
    }

    /** 600 rows over 25 days (one every hour), three hospitals' worth of keys. */
    private static final String BULK_INSERT = """
            INSERT INTO mri (id, gender, hospital, label, prediction, probability, model_version, image_sha256,
                             content_type, size_bytes, width, height, created_by_name, created_at, unfamiliar)
            SELECT gen_random_uuid(), (ARRAY['female','male','other','unknown'])[1 + i % 4], 'Bulk',
                   (ARRAY['tumor','healthy',NULL])[1 + i % 3], (ARRAY['tumor','healthy'])[1 + i % 2], 0.5, 'bulk-model',
                   encode(sha256(('bulk' || i)::bytea), 'hex'), 'image/png', 100, 1 + i % 9, 10, 'restore',
                   now() - i * interval '1 hour', i % 5 = 0
            FROM generate_series(1, 600) AS i""";

    private static void patch(JsonObject row, JsonObject change) {
        HttpResponse<Buffer> changed = server.client.patch("/MRI/" + row.getString("id")).bearerTokenAuthentication(admin)
                .putHeader("If-Match", "\"" + row.getInteger("version") + "\"").sendJsonObject(change).await();
        assertEquals(200, changed.statusCode(), changed.bodyAsString());
    }

    /** Both counters, key by key (zero counts left out), equal a GROUP BY over the rows. */
    private static void assertCountersMatchScan(String after) {
        String key = "hospital || '|' || gender || '|' || coalesce(label, 'none') || '|' || prediction || '|' || model_version || '|' || unfamiliar";
        String day = " || '|' || (created_at AT TIME ZONE 'UTC')::date";
        assertEquals(grouped("SELECT " + key + day + ", count(*) FROM mri GROUP BY 1"),
                grouped("SELECT " + key.replace("coalesce(label, 'none')", "label") + " || '|' || day, n FROM mri_counts WHERE n <> 0"),
                "by day, after " + after);
        assertEquals(grouped("SELECT " + key + ", count(*) FROM mri GROUP BY 1"),
                grouped("SELECT " + key.replace("coalesce(label, 'none')", "label") + ", n FROM mri_counts_total WHERE n <> 0"),
                "in total, after " + after);
    }

    private static Map<String, Long> grouped(String query) {
        return SharedPostgres.query(server.dbUri, c -> {
            Map<String, Long> counts = new TreeMap<>();
            try (ResultSet rs = c.createStatement().executeQuery(query)) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
            return counts;
        });
    }

    private static long scalar(String query) {
        return SharedPostgres.query(server.dbUri, c -> {
            try (ResultSet rs = c.createStatement().executeQuery(query)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static String timestamp(String expression) {
        return SharedPostgres.query(server.dbUri, c -> {
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT to_char((" + expression + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    private static void sql(String statement) {
        SharedPostgres.query(server.dbUri, (Connection c) -> {
            try (Statement s = c.createStatement()) {
                s.execute(statement);
            }
            return null;
        });
    }

}
