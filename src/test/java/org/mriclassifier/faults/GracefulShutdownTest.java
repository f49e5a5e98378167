package org.mriclassifier.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
@DisplayName("SIGTERM: readiness turns 503, in-flight uploads finish, exit code 0, no half-written rows")
class GracefulShutdownTest {

    @Test
    @DisplayName("a SIGTERM during 20 uploads")
    void sigtermDuringUploads(Vertx vertx) throws Exception {
        String db = SharedPostgres.newDatabase();
        Map<String, String> env = ServerProcess.environment(TestServer.tempDir());
        env.put("MRI_DB_URL", db);
        env.put("MRI_HTTP_SHUTDOWN_DRAIN_SECONDS", "2");
        ServerProcess server = ServerProcess.start(env);
        WebClient client = server.client(vertx);
        server.ready(vertx, client, 180).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        String token = server.login(client).toCompletionStage().toCompletableFuture().get();

        List<Future<HttpResponse<Buffer>>> uploads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            uploads.add(client.post("/MRI").bearerTokenAuthentication(token).sendMultipartForm(MultipartForm.create()
                    .binaryFileUpload("file", "scan.png", Buffer.buffer(TestImages.png(20_000 + i)), "image/png")
                    .attribute("gender", "female").attribute("hospital", TestServer.ADMIN_HOSPITAL)));
        }
        Thread.sleep(150);
        server.terminate();
        // a client of its own (the uploads' pool is busy); the JVM takes a moment to act on the signal, and then
        // answers 503 for the drain period (2 s here) before it stops listening
        WebClient probe = server.client(vertx);
        int readiness = 0;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (readiness != 503 && System.nanoTime() < until) {
            readiness = probe.get("/health/ready").send().map(HttpResponse::statusCode).otherwise(0)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Thread.sleep(25);
        }
        Future.join(uploads).toCompletionStage().handle((v, e) -> null).toCompletableFuture().get(60, TimeUnit.SECONDS);
        int exit = server.waitFor(60);

        Set<String> acknowledged = new HashSet<>();
        for (Future<HttpResponse<Buffer>> upload : uploads) {
            if (upload.succeeded() && upload.result().statusCode() == 201) {
                acknowledged.add(upload.result().bodyAsJsonObject().getString("id"));
            }
        }
        assertEquals(503, readiness, "not ready while stopping");
        assertEquals(0, exit, server.tail());
        assertEquals(20, acknowledged.size(), "every upload in flight at SIGTERM finished");
        assertIntact(db, acknowledged);
    }

    /** Every acknowledged row is there with its bytes; every row that is there is whole (row + matching bytes). */
    static void assertIntact(String db, Set<String> acknowledged) {
        SharedPostgres.query(db, c -> {
            Set<String> stored = new HashSet<>();
            try (ResultSet rs = c.createStatement().executeQuery("""
                    SELECT m.id, i.mri_id IS NOT NULL AS has_bytes,
                           encode(sha256(i.bytes), 'hex') = m.image_sha256 AS intact
                    FROM mri m LEFT JOIN mri_image i ON i.mri_id = m.id""")) {
                while (rs.next()) {
                    stored.add(rs.getString("id"));
                    assertTrue(rs.getBoolean("has_bytes") && rs.getBoolean("intact"), "row " + rs.getString("id"));
                }
            }
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT count(*) FROM mri_image i WHERE NOT EXISTS (SELECT 1 FROM mri m WHERE m.id = i.mri_id)")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "no bytes without their row");
            }
            assertTrue(stored.containsAll(acknowledged), "every 201 is stored");
            return null;
        });
    }
}
