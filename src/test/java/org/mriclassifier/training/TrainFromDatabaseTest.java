package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.models.ModelBundle;
import org.mriclassifier.testing.DrawnDataset;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestServer;
import picocli.CommandLine;

/**
 * train --from-db end to end on drawn images: two hospitals' confirmed rows (uploaded through the server), a tiny
 * network for a few epochs, the comparison with the active (shipped) model per hospital, then the rule's two sides:
 * refused when the target cannot gain enough (nothing registered), promoted when the rule is made to hold (folder,
 * registry rows and audit rows written; a restarted server serves the candidate).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 600, timeUnit = TimeUnit.SECONDS)
@DisplayName("train --from-db: trains on confirmed rows, compares per hospital, promotes through the registry or refuses")
class TrainFromDatabaseTest {

    static final String[] TINY = {"--arch", "bncnn", "--input-size", "32", "--filters", "8", "--epochs", "8", "--batch", "16",
        "--learning-rate", "0.003", "--validation-split", "0.25", "--seed", "5", "--threads", "2", "--near-duplicate-distance", "-1"};

    static Future<Void> uploadFolder(TestServer server, String token, Path folder, String hospital) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        Future<Void> chain = Future.succeededFuture();
        for (Path file : files) {
            String label = file.getParent().getFileName().toString().equals("yes") ? "tumor" : "healthy";
            String type = file.toString().endsWith(".png") ? "image/png" : "image/jpeg";
            byte[] bytes = Files.readAllBytes(file);
            chain = chain.compose(v -> server.upload(token, bytes, type, "unknown", hospital, label).map(r -> {
                if (r.statusCode() != 201) {
                    throw new IllegalStateException(file + ": " + r.statusCode() + " " + r.bodyAsString());
                }
                return null;
            }));
        }
        return chain;
    }

    static int train(TestServer server, Path out, String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("MRI_DB_URL", server.dbUri);
        env.put("MRI_DATA_DIR", server.config.getString("data_dir"));
        env.put("MRI_MODEL_DIR", TestServer.modelDir());
        List<String> args = new ArrayList<>(List.of("--from-db", "--out", out.toString()));
        args.addAll(List.of(TINY));
        args.addAll(List.of(extra));
        return new CommandLine(new TrainCommand(env)).execute(args.toArray(String[]::new));
    }

    static long registered(TestServer server, String version) {
        return SharedPostgres.query(server.dbUri, c -> {
            try (var s = c.prepareStatement("SELECT count(*) FROM model_registry WHERE version = ?")) {
                s.setString(1, version);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Test
    @DisplayName("refused when the target hospital cannot gain enough; promoted, registered, audited and served after a restart when the rule holds")
    void refuseThenPromote(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path workspace = TestServer.tempDir();
        Path newHospital = DrawnDataset.write(workspace.resolve("new"), 40, 21);
        Path oldHospital = DrawnDataset.write(workspace.resolve("old"), 16, 22);
        TestServer server = TestServer.start(vertx).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        String admin = server.adminToken().toCompletionStage().toCompletableFuture().get();
        uploadFolder(server, admin, newHospital, "new-H").compose(v -> {
            try {
                return uploadFolder(server, admin, oldHospital, "old-H");
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }).toCompletionStage().toCompletableFuture().get(240, TimeUnit.SECONDS);
        server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

        // the refusing side: no accuracy gain can exceed 1
        Path refused = workspace.resolve("refused");
        assertEquals(0, train(server, refused, "--hospital", "new-H", "--min-gain", "1.0", "--model-version", "cand-0"));
        JsonObject report = new JsonObject(Files.readString(refused.resolve("comparison.json")));
        assertFalse(report.getBoolean("promote"), report.encodePrettily());
        assertFalse(report.getBoolean("promoted"));
        JsonObject target = report.getJsonObject("groups").getJsonObject("new-H");
        assertTrue(target.getBoolean("target"));
        assertTrue(target.getString("verdict").startsWith("not better"), target.encode());
        assertEquals(0, registered(server, "cand-0"));
        assertFalse(Files.exists(Path.of(server.config.getString("data_dir"), "models", "cand-0")));
        // the held-out rows of both hospitals were compared, with figures for both models
        assertEquals(Set.of("new-H", "old-H"), report.getJsonObject("groups").fieldNames());
        JsonObject candidateFigures = target.getJsonObject("candidate");
        assertTrue(candidateFigures.getInteger("n") >= 10, candidateFigures.encode());
        assertTrue(candidateFigures.getJsonObject("accuracy").getDouble("value") > 0.8,
                "the tiny network learns the drawn task: " + candidateFigures.encode());

        // the promoting side: any gain will do, and the other hospital may lose up to everything
        Path promoted = workspace.resolve("promoted");
        assertEquals(0, train(server, promoted, "--hospital", "new-H", "--min-gain", "-1", "--margin", "1", "--model-version", "cand-1"));
        JsonObject second = new JsonObject(Files.readString(promoted.resolve("comparison.json")));
        assertTrue(second.getBoolean("promoted"), second.encodePrettily());
        assertEquals("better", second.getJsonObject("groups").getJsonObject("new-H").getString("verdict"));
        assertTrue(second.getJsonObject("groups").getJsonObject("old-H").getString("verdict").startsWith("holds"));
        assertEquals(1, registered(server, "cand-1"));
        long audited = SharedPostgres.query(server.dbUri, c -> {
            try (var s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM audit_log WHERE target_id = 'cand-1' AND action IN ('model.upload', 'model.activate')")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertEquals(2, audited);
        // what was registered is a servable bundle, as an upload would be checked
        ModelBundle.check(Path.of(server.config.getString("data_dir"), "models", "cand-1")).close();

        TestServer.startConfigured(vertx, server.config)
                .compose(restarted -> restarted.adminToken()
                        .compose(token -> restarted.client.get("/models").bearerTokenAuthentication(token).send())
                        .map(r -> {
                            ctx.verify(() -> {
                                JsonObject cand = r.bodyAsJsonObject().getJsonArray("items").stream().map(JsonObject.class::cast)
                                        .filter(i -> i.getString("version").equals("cand-1")).findFirst().orElseThrow();
                                assertTrue(cand.getBoolean("active"), r.bodyAsString());
                                assertEquals("train", cand.getString("source"));
                            });
                            return restarted;
                        })
                        .compose(restarted2 -> restarted.stop()))
                .onComplete(ctx.succeedingThenComplete());
    }
}
