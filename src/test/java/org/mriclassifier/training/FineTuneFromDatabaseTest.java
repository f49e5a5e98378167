package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ModelDescriptors;
import org.mriclassifier.models.ModelBundle;
import org.mriclassifier.testing.DrawnDataset;
import org.mriclassifier.testing.TestServer;
import picocli.CommandLine;

/**
 * train --from-db --fine-tune-from active end to end on drawn images: two hospitals' confirmed rows uploaded through
 * the server, the registry's active (shipped) model fine-tuned for one of them on its training rows plus a replay of
 * the other's, compared per hospital and promoted through the registry; a target without rows is refused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 600, timeUnit = TimeUnit.SECONDS)
@DisplayName("train --from-db --fine-tune-from active: the active model fine-tuned for one hospital, with a replay of the others")
class FineTuneFromDatabaseTest {

    static int train(TestServer server, StringWriter err, String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("MRI_DB_URL", server.dbUri);
        env.put("MRI_DATA_DIR", server.config.getString("data_dir"));
        env.put("MRI_MODEL_DIR", TestServer.modelDir());
        List<String> args = new ArrayList<>(List.of("--from-db", "--fine-tune-from", "active", "--epochs", "2", "--batch", "16",
                "--validation-split", "0.25", "--seed", "5", "--threads", "2", "--near-duplicate-distance", "-1"));
        args.addAll(List.of(extra));
        CommandLine line = new CommandLine(new TrainCommand(env));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args.toArray(String[]::new));
    }

    @Test
    @DisplayName("restores the active model, trains on the target's rows and as many replayed rows, records both, and promotes when the rule holds")
    void fineTunesTheActiveModel(Vertx vertx) throws Exception {
        Path workspace = TestServer.tempDir();
        Path newHospital = DrawnDataset.write(workspace.resolve("new"), 40, 21);
        Path oldHospital = DrawnDataset.write(workspace.resolve("old"), 16, 22);
        TestServer server = TestServer.start(vertx).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        String admin = server.adminToken().toCompletionStage().toCompletableFuture().get();
        TrainFromDatabaseTest.uploadFolder(server, admin, newHospital, "new-H")
                .compose(v -> {
                    try {
                        return TrainFromDatabaseTest.uploadFolder(server, admin, oldHospital, "old-H");
                    } catch (Exception e) {
                        return io.vertx.core.Future.failedFuture(e);
                    }
                })
                .toCompletionStage().toCompletableFuture().get(240, TimeUnit.SECONDS);
        server.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        ModelDescriptor shipped = ModelDescriptors.read(Path.of(TestServer.modelDir()));

        // a target hospital without confirmed rows: nothing to fine-tune on, refused before any training
        StringWriter refusal = new StringWriter();
        Path nowhere = workspace.resolve("nowhere");
        assertNotEquals(0, train(server, refusal, "--hospital", "nowhere-H", "--model-version", "ft-0", "--out", nowhere.toString()));
        assertTrue(refusal.toString().contains("no confirmed training rows to fine-tune on"), refusal.toString());
        assertEquals(0, TrainFromDatabaseTest.registered(server, "ft-0"));

        Path out = workspace.resolve("tuned");
        StringWriter err = new StringWriter();
        assertEquals(0, train(server, err, "--hospital", "new-H", "--replay", "1", "--min-gain", "-1", "--margin", "1",
                "--model-version", "ft-1", "--out", out.toString()), err.toString());
        JsonObject report = new JsonObject(Files.readString(out.resolve("comparison.json")));
        assertEquals(shipped.version(), report.getJsonObject("fine_tuned_from").getString("version"), report.encodePrettily());
        assertEquals(shipped.version(), report.getString("active"));
        JsonObject replay = report.getJsonObject("replay");
        int target = replay.getInteger("targetTrainingRows");
        int replayed = replay.getInteger("replayedRows");
        assertTrue(target > 20, replay.encode());
        assertEquals(Math.min(target, replay.getInteger("otherTrainingRows")), replayed, replay.encode());
        assertTrue(report.getBoolean("promoted"), report.encodePrettily());
        assertEquals(java.util.Set.of("new-H", "old-H"), report.getJsonObject("groups").fieldNames());
        // the shipped model calls every drawn slice a tumor; two slow epochs from its weights learn the drawn task
        JsonObject newH = report.getJsonObject("groups").getJsonObject("new-H");
        double before = newH.getJsonObject("active").getJsonObject("accuracy").getDouble("value");
        double after = newH.getJsonObject("candidate").getJsonObject("accuracy").getDouble("value");
        assertTrue(after > before + 0.2, "held-out accuracy on the target " + before + " -> " + after);

        // the candidate keeps the active model's graph and input, at a tenth of its learning rate, on exactly those rows
        ModelDescriptor tuned = ModelDescriptors.read(out);
        assertEquals(shipped.architecture(), tuned.architecture());
        assertEquals(shipped.preprocessing(), tuned.preprocessing());
        assertEquals(shipped.input(), tuned.input());
        double shippedRate = ((Number) shipped.training().hyperParameters().get("learningRate")).doubleValue();
        assertEquals(shippedRate * FineTuneSource.RATE_FACTOR, ((Number) tuned.training().hyperParameters().get("learningRate")).doubleValue(), 1e-12);
        assertEquals(target + replayed, tuned.training().trainImages());
        assertEquals(1, TrainFromDatabaseTest.registered(server, "ft-1"));
        ModelBundle.check(Path.of(server.config.getString("data_dir"), "models", "ft-1")).close();

        // the threshold chosen on the target's tuning rows only: fewer images than the whole tuning split choose it
        StringWriter without = new StringWriter();
        assertNotEquals(0, train(server, without, "--hospital", "new-H", "--threshold-on-targets", "--model-version", "ft-2",
                "--out", workspace.resolve("no-target-sensitivity").toString()));
        assertTrue(without.toString().contains("--threshold-on-targets needs --hospital and --target-sensitivity"), without.toString());
        Path onTargets = workspace.resolve("on-targets");
        assertEquals(0, train(server, err, "--hospital", "new-H", "--tuning-split", "0.3", "--target-sensitivity", "0.9",
                "--threshold-on-targets", "--no-promote", "--model-version", "ft-3", "--out", onTargets.toString()), err.toString());
        ModelDescriptor third = ModelDescriptors.read(onTargets);
        assertEquals(List.of("db:new-H"), third.training().hyperParameters().get("thresholdOn"));
        int tuningRows = third.training().tuningImages();
        int chosenOn = third.operatingPoint().tuningImages();
        assertTrue(chosenOn > 0 && chosenOn < tuningRows, chosenOn + " of " + tuningRows + " tuning images chose the threshold");
        assertEquals(third.decisionThreshold(), third.operatingPoint().threshold());
    }
}
