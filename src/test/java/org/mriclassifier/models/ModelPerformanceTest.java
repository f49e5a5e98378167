package org.mriclassifier.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * Rows with known labels: real scans uploaded without a class (the model's answers are whatever they are), then
 * classes confirmed by PATCH so that the confusion matrix is known: in hospital A, one slice the model calls tumor
 * is labelled healthy and one it calls healthy is labelled tumor, the rest agree; in hospital B the classes are
 * the folders' truth. Two rows stay unconfirmed. The figures are checked against counts made here, Wilson
 * intervals and the AUC computed here by pairs (not by ranks, as the server does).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 300, timeUnit = TimeUnit.SECONDS)
@DisplayName("A model's performance from confirmed labels: exact figures, filters, hospital scope, gauges")
class ModelPerformanceTest {

    static TestServer server;
    static String admin;
    static String doctorB;
    static final List<JsonObject> rows = new ArrayList<>();
    /** The confirmed class of each row (null: left unconfirmed). */
    static final List<String> labels = new ArrayList<>();
    static String version;

    static List<String> files(String folder, int n) throws IOException {
        try (Stream<Path> list = Files.list(TestImages.datasets().resolve("brain-mri-253").resolve(folder))) {
            return list.map(p -> "brain-mri-253/" + folder + "/" + p.getFileName()).sorted().limit(n).toList();
        }
    }

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) throws IOException {
        record Upload(String file, String hospital, String gender, boolean tumor) {
        }
        List<Upload> uploads = new ArrayList<>();
        List<String> yes = files("yes", 12);
        List<String> no = files("no", 12);
        for (int i = 0; i < 8; i++) {
            uploads.add(new Upload(yes.get(i), "perf-A", i % 2 == 0 ? "female" : "male", true));
            uploads.add(new Upload(no.get(i), "perf-A", i % 2 == 0 ? "male" : "female", false));
        }
        for (int i = 8; i < 12; i++) {
            uploads.add(new Upload(yes.get(i), "perf-B", "female", true));
            uploads.add(new Upload(no.get(i), "perf-B", "male", false));
        }
        TestServer.start(vertx).compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(t -> {
            admin = t;
            return server.createUser(admin, "perfdoc", "perf-B", "doctor");
        }).compose(u -> server.tokenOf("perfdoc")).compose(t -> {
            doctorB = t;
            Future<Void> chain = Future.succeededFuture();
            for (Upload u : uploads) {
                chain = chain.compose(v -> server.upload(admin, TestImages.real(u.file()), "image/jpeg", u.gender(), u.hospital(), null)
                        .map(r -> {
                            if (r.statusCode() != 201) {
                                throw new IllegalStateException(u.file() + ": " + r.statusCode() + " " + r.bodyAsString());
                            }
                            rows.add(r.bodyAsJsonObject().put("truth", u.tumor() ? "tumor" : "healthy"));
                            return null;
                        }));
            }
            return chain;
        }).compose(v -> {
            version = rows.get(0).getString("model_version");
            boolean[] flipped = new boolean[2];
            Future<Void> chain = Future.succeededFuture();
            for (int i = 0; i < rows.size(); i++) {
                JsonObject row = rows.get(i);
                String label;
                if (i == 0 || i == 1) {
                    label = null;   // left unconfirmed: not counted
                } else if ("perf-A".equals(row.getString("hospital"))) {
                    boolean predictedTumor = "tumor".equals(row.getString("prediction"));
                    int side = predictedTumor ? 0 : 1;
                    if (!flipped[side]) {
                        flipped[side] = true;
                        label = predictedTumor ? "healthy" : "tumor";
                    } else {
                        label = row.getString("prediction");
                    }
                } else {
                    label = row.getString("truth");
                }
                labels.add(label);
                if (label != null) {
                    chain = chain.compose(x -> server.client.patch("/MRI/" + row.getString("id")).bearerTokenAuthentication(admin)
                            .putHeader("If-Match", "\"" + row.getInteger("version") + "\"")
                            .sendJsonObject(new JsonObject().put("class", label)).map(r -> {
                                if (r.statusCode() != 200 || !r.bodyAsJsonObject().getBoolean("class_confirmed")) {
                                    throw new IllegalStateException("PATCH answered " + r.statusCode() + " " + r.bodyAsString());
                                }
                                return null;
                            }));
                }
            }
            return chain;
        }).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    /** Counts and figures expected for the confirmed rows that pass {@code keep}. */
    static void assertFigures(JsonObject actual, java.util.function.Predicate<JsonObject> keep) {
        int tp = 0;
        int fn = 0;
        int tn = 0;
        int fp = 0;
        int flagged = 0;
        List<double[]> scored = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonObject row = rows.get(i);
            String label = labels.get(i);
            if (label == null || !keep.test(row)) {
                continue;
            }
            boolean tumor = "tumor".equals(label);
            boolean predicted = "tumor".equals(row.getString("prediction"));
            if (tumor && predicted) {
                tp++;
            } else if (tumor) {
                fn++;
            } else if (predicted) {
                fp++;
            } else {
                tn++;
            }
            if (row.getBoolean("unfamiliar")) {
                flagged++;
            }
            scored.add(new double[] {tumor ? 1 : 0, row.getDouble("probability")});
        }
        int n = tp + fn + tn + fp;
        assertEquals(n, actual.getInteger("n"));
        assertEquals(tp, actual.getInteger("tp"));
        assertEquals(fn, actual.getInteger("fn"));
        assertEquals(tn, actual.getInteger("tn"));
        assertEquals(fp, actual.getInteger("fp"));
        assertProportion(tp, tp + fn, actual.getJsonObject("sensitivity"));
        assertProportion(tn, tn + fp, actual.getJsonObject("specificity"));
        assertProportion(tp + tn, n, actual.getJsonObject("accuracy"));
        assertProportion(flagged, n, actual.getJsonObject("unfamiliar_share"));
        double wins = 0;
        int pairs = 0;
        for (double[] a : scored) {
            for (double[] b : scored) {
                if (a[0] == 1 && b[0] == 0) {
                    pairs++;
                    // the server compares the stored float probabilities; the rows carry them rounded to 6 places
                    wins += Math.abs(a[1] - b[1]) < 1e-6 ? 0.5 : a[1] > b[1] ? 1 : 0;
                }
            }
        }
        if (pairs == 0) {
            assertNull(actual.getValue("auc"));
        } else {
            assertEquals(wins / pairs, actual.getJsonObject("auc").getDouble("value"), 1e-9);
            assertTrue(actual.getJsonObject("auc").getDouble("low") <= wins / pairs);
        }
    }

    static void assertProportion(int x, int n, JsonObject actual) {
        if (n == 0) {
            assertNull(actual);
            return;
        }
        double p = (double) x / n;
        double z = 1.959963984540054;
        double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
        double half = z / (1 + z * z / n) * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n));
        assertEquals(p, actual.getDouble("value"), 1e-12);
        assertEquals(Math.max(0, centre - half), actual.getDouble("low"), 1e-9);
        assertEquals(Math.min(1, centre + half), actual.getDouble("high"), 1e-9);
    }

    @Test
    @DisplayName("overall, per hospital and per gender the counts, sensitivity, specificity, accuracy (Wilson), AUC and unfamiliar share are exact; unconfirmed rows are left out; the prediction mix counts every row")
    void exactFigures(VertxTestContext ctx) {
        server.client.get("/models/" + version + "/performance").bearerTokenAuthentication(admin).send()
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(200, r.statusCode(), r.bodyAsString());
                    JsonObject confirmed = r.bodyAsJsonObject().getJsonObject("confirmed");
                    assertEquals(rows.size() - 2, confirmed.getInteger("n"));
                    assertFigures(confirmed, row -> true);
                    assertFigures(confirmed.getJsonObject("by_hospital").getJsonObject("perf-A"), row -> row.getString("hospital").equals("perf-A"));
                    assertFigures(confirmed.getJsonObject("by_hospital").getJsonObject("perf-B"), row -> row.getString("hospital").equals("perf-B"));
                    for (String gender : List.of("female", "male")) {
                        assertFigures(confirmed.getJsonObject("by_gender").getJsonObject(gender), row -> row.getString("gender").equals(gender));
                    }
                    // in A, one slice each way was labelled against the model: at least one error of each kind
                    JsonObject a = confirmed.getJsonObject("by_hospital").getJsonObject("perf-A");
                    assertTrue(a.getInteger("fp") >= 1 && a.getInteger("fn") >= 1, a.encode());
                    JsonArray days = r.bodyAsJsonObject().getJsonObject("prediction_mix").getJsonArray("by_day");
                    assertEquals(1, days.size(), days.encode());
                    assertEquals(rows.size(), days.getJsonObject(0).getInteger("n"));
                    long predictedTumor = rows.stream().filter(row -> "tumor".equals(row.getString("prediction"))).count();
                    assertEquals(predictedTumor, days.getJsonObject(0).getLong("predicted_tumor"));
                    assertEquals(1, r.bodyAsJsonObject().getJsonObject("prediction_mix").getJsonArray("by_week").size());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("filters narrow the rows: hospital, gender, and a period that ends before the uploads (nothing to measure: n 0, figures null)")
    void filters(VertxTestContext ctx) {
        server.client.get("/models/" + version + "/performance?hospital=perf-B&gender=male").bearerTokenAuthentication(admin).send()
                .compose(r -> {
                    ctx.verify(() -> {
                        assertEquals(200, r.statusCode(), r.bodyAsString());
                        assertFigures(r.bodyAsJsonObject().getJsonObject("confirmed"),
                                row -> row.getString("hospital").equals("perf-B") && row.getString("gender").equals("male"));
                    });
                    return server.client.get("/models/" + version + "/performance?to=2020-01-01T00:00:00Z").bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(200, r.statusCode(), r.bodyAsString());
                    JsonObject confirmed = r.bodyAsJsonObject().getJsonObject("confirmed");
                    assertEquals(0, confirmed.getInteger("n"));
                    assertNull(confirmed.getValue("accuracy"));
                    assertTrue(r.bodyAsJsonObject().getJsonObject("prediction_mix").getJsonArray("by_day").isEmpty());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a doctor of hospital B sees B's figures only and is refused A's (403); an unknown version is 404")
    void hospitalScope(VertxTestContext ctx) {
        server.client.get("/models/" + version + "/performance").bearerTokenAuthentication(doctorB).send()
                .compose(r -> {
                    ctx.verify(() -> {
                        assertEquals(200, r.statusCode(), r.bodyAsString());
                        JsonObject confirmed = r.bodyAsJsonObject().getJsonObject("confirmed");
                        assertEquals(List.of("perf-B"), new ArrayList<>(confirmed.getJsonObject("by_hospital").fieldNames()));
                        assertFigures(confirmed, row -> row.getString("hospital").equals("perf-B"));
                    });
                    return server.client.get("/models/" + version + "/performance?hospital=perf-A").bearerTokenAuthentication(doctorB).send();
                })
                .compose(r -> {
                    ctx.verify(() -> assertEquals(403, r.statusCode(), r.bodyAsString()));
                    return server.client.get("/models/no-such/performance").bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(404, r.statusCode(), r.bodyAsString());
                    assertEquals("application/problem+json", r.getHeader("Content-Type"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("the unfiltered figures are gauges in /metrics: mri_model_performance{version, hospital, figure}")
    void gauges(VertxTestContext ctx) {
        server.client.get("/models/" + version + "/performance").bearerTokenAuthentication(admin).send()
                .compose(r -> server.client.get("/metrics").bearerTokenAuthentication(admin).send().map(m -> new JsonObject()
                        .put("report", r.bodyAsJsonObject()).put("metrics", m.bodyAsString())))
                .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
                    String metrics = both.getString("metrics");
                    JsonObject a = both.getJsonObject("report").getJsonObject("confirmed").getJsonObject("by_hospital").getJsonObject("perf-A");
                    assertEquals(a.getJsonObject("accuracy").getDouble("value"), gauge(metrics, version, "perf-A", "accuracy"), 1e-9);
                    assertEquals(a.getJsonObject("sensitivity").getDouble("value"), gauge(metrics, version, "perf-A", "sensitivity"), 1e-9);
                    JsonObject all = both.getJsonObject("report").getJsonObject("confirmed");
                    assertEquals(all.getInteger("n").doubleValue(), gauge(metrics, version, "all", "n"), 1e-9);
                    assertEquals(all.getJsonObject("auc").getDouble("value"), gauge(metrics, version, "all", "auc"), 1e-9);
                    assertFalse(metrics.contains("hospital=\"perf-C\""));
                    ctx.completeNow();
                })));
    }

    static double gauge(String metrics, String version, String hospital, String figure) {
        Matcher m = Pattern.compile("mri_model_performance\\{figure=\"" + figure + "\",hospital=\"" + Pattern.quote(hospital)
                + "\",version=\"" + Pattern.quote(version) + "\",?\\} (\\S+)").matcher(metrics);
        assertTrue(m.find(), "no gauge for " + hospital + " " + figure + " in:\n" + metrics.lines()
                .filter(l -> l.startsWith("mri_model_performance")).toList());
        return Double.parseDouble(m.group(1));
    }
}
