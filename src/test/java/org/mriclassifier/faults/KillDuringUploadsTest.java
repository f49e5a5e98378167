package org.mriclassifier.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import org.mriclassifier.vision.Sha256;

/**
 * The default deployment (embedded PostgreSQL in the data directory) killed with -9 in the middle of a stream of
 * uploads: after a restart every upload that got a 2xx is there with the same bytes, and every row is whole.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 300, timeUnit = TimeUnit.SECONDS)
@DisplayName("kill -9 during uploads loses nothing that was acknowledged and leaves nothing half written")
class KillDuringUploadsTest {

    @Test
    @DisplayName("kill -9, restart on the same data directory, check every row")
    void killAndRestart(Vertx vertx) throws Exception {
        Path dataDir = TestServer.tempDir();
        Map<String, String> env = ServerProcess.environment(dataDir);
        ServerProcess first = ServerProcess.start(env);
        WebClient client = first.client(vertx);
        first.ready(vertx, client, 240).toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
        String token = first.login(client).toCompletionStage().toCompletableFuture().get();

        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < 4; lane++) {
            lanes.add(uploadUntilDead(client, token, next, acknowledged, first));
        }
        // let a few uploads land, then kill in the middle of the stream
        while (acknowledged.size() < 12) {
            Thread.sleep(20);
        }
        first.kill();
        first.waitFor(30);
        Future.join(lanes).toCompletionStage().handle((v, e) -> null).toCompletableFuture().get(60, TimeUnit.SECONDS);
        client.close();

        ServerProcess second = ServerProcess.start(env);
        WebClient again = second.client(vertx);
        try {
            second.ready(vertx, again, 240).toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
            String token2 = second.login(again).toCompletionStage().toCompletableFuture().get();
            JsonObject page = again.get("/MRI?limit=100").bearerTokenAuthentication(token2).send()
                    .toCompletionStage().toCompletableFuture().get().bodyAsJsonObject();
            Map<String, String> stored = new ConcurrentHashMap<>();
            page.getJsonArray("items").forEach(i -> stored.put(((JsonObject) i).getString("id"), ((JsonObject) i).getString("image_sha256")));
            for (Map.Entry<String, String> ack : acknowledged.entrySet()) {
                assertEquals(ack.getValue(), stored.get(ack.getKey()), "acknowledged upload " + ack.getKey());
            }
            for (String id : stored.keySet()) {
                HttpResponse<Buffer> image = again.get("/MRI/" + id + "/image").bearerTokenAuthentication(token2).send()
                        .toCompletionStage().toCompletableFuture().get();
                assertEquals(200, image.statusCode(), "row " + id + " has its bytes: " + image.bodyAsString());
                assertEquals(stored.get(id), Sha256.hex(image.body().getBytes()), "row " + id + " is intact");
            }
            assertTrue(stored.size() >= acknowledged.size());
        } finally {
            again.close();
            second.terminate();
            assertEquals(0, second.waitFor(60), second.tail());
        }
    }

    @Test
    @DisplayName("kill -9 during uploads: every acknowledged upload has its audit row (written with the row, not after)")
    void auditRowForEveryAcknowledgedUpload(Vertx vertx) throws Exception {
        String dbUri = SharedPostgres.newDatabase();
        Map<String, String> env = ServerProcess.environment(TestServer.tempDir());
        env.put("MRI_DB_URL", dbUri);
        ServerProcess server = ServerProcess.start(env);
        WebClient client = server.client(vertx);
        server.ready(vertx, client, 240).toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
        String token = server.login(client).toCompletionStage().toCompletableFuture().get();

        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger(1000);
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < 4; lane++) {
            lanes.add(uploadUntilDead(client, token, next, acknowledged, server, 12));
        }
        server.waitFor(120);
        Future.join(lanes).toCompletionStage().handle((v, e) -> null).toCompletableFuture().get(60, TimeUnit.SECONDS);
        client.close();

        Set<String> audited = SharedPostgres.query(dbUri, c -> {
            Set<String> ids = new HashSet<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT target_id FROM audit_log WHERE action = 'mri.create' AND outcome = 'success'")) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        });
        Set<String> missing = new HashSet<>(acknowledged.keySet());
        missing.removeAll(audited);
        assertTrue(missing.isEmpty(), missing.size() + " of " + acknowledged.size()
                + " acknowledged uploads have no audit row: " + missing);
    }

    static Future<Void> uploadUntilDead(WebClient client, String token, AtomicInteger next, Map<String, String> acknowledged,
                                        ServerProcess server) {
        return uploadUntilDead(client, token, next, acknowledged, server, 0);
    }

    /** With {@code killAt} > 0, SIGKILL the moment that many uploads were acknowledged: nothing after the reply runs. */
    static Future<Void> uploadUntilDead(WebClient client, String token, AtomicInteger next, Map<String, String> acknowledged,
                                        ServerProcess server, int killAt) {
        int n = next.getAndIncrement();
        if (n % 1000 >= 400) {
            return Future.succeededFuture();
        }
        byte[] image = TestImages.png(30_000 + n);
        return client.post("/MRI").bearerTokenAuthentication(token).sendMultipartForm(MultipartForm.create()
                        .binaryFileUpload("file", "scan.png", Buffer.buffer(image), "image/png")
                        .attribute("gender", "male").attribute("hospital", TestServer.ADMIN_HOSPITAL))
                .compose(r -> {
                    if (r.statusCode() == 201) {
                        acknowledged.put(r.bodyAsJsonObject().getString("id"), Sha256.hex(image));
                        if (killAt > 0 && acknowledged.size() == killAt) {
                            server.kill();
                        }
                    }
                    return uploadUntilDead(client, token, next, acknowledged, server, killAt);
                });
    }
}
