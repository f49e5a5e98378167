package org.mriclassifier.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * Issue 12 item 1: JSON upload bodies of structure the form cannot have (millions of empty objects) were parsed
 * whole before being refused: about 250 MiB of heap each, and a handful at once ended the README's -Xmx768m
 * server in OutOfMemoryError and 500s. They are refused from their first tokens now.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
@DisplayName("A flood of 14 MB JSON uploads of empty objects gets 400s from a -Xmx768m server that stays well")
class JsonUploadFloodTest {

    @Test
    @DisplayName("twelve at once, from one admin: every answer a 400 problem, no OutOfMemoryError, a normal upload still works")
    void emptyObjects(Vertx vertx) throws Exception {
        Map<String, String> env = ServerProcess.environment(TestServer.tempDir());
        env.put("MRI_DB_URL", SharedPostgres.newDatabase());
        // one user's caps (UploadStarvationTest) would refuse most of these with 429 before they are parsed:
        // raised here, so that every body reaches the parser this test is about
        env.put("MRI_MRI_MAX_OPEN_UPLOADS_PER_USER", "16");
        env.put("MRI_MRI_UPLOAD_BYTES_PER_USER_MAX", Long.toString(256L << 20));
        ServerProcess server = ServerProcess.start(env, "768m");
        WebClient client = server.client(vertx);
        try {
            server.ready(vertx, client, 240).toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
            String token = server.login(client).toCompletionStage().toCompletableFuture().get();
            Buffer unknownField = emptyObjects("{\"x\":[", "]}");
            Buffer nestedImage = emptyObjects("{\"gender\":\"male\",\"hospital\":\"headquarters\",\"image\":[", "]}");
            Buffer bareArray = emptyObjects("[", "]");
            List<Buffer> bodies = List.of(unknownField, nestedImage, bareArray);
            List<Future<HttpResponse<Buffer>>> flood = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                flood.add(client.post("/MRI").bearerTokenAuthentication(token)
                        .putHeader("Content-Type", "application/json").sendBuffer(bodies.get(i % bodies.size())));
            }
            Future.join(flood).toCompletionStage().handle((v, e) -> null).toCompletableFuture().get(120, TimeUnit.SECONDS);
            List<String> wrong = new ArrayList<>();
            for (Future<HttpResponse<Buffer>> f : flood) {
                if (f.failed()) {
                    wrong.add("no answer: " + f.cause());
                } else if (f.result().statusCode() != 400
                        || !"application/problem+json".equals(f.result().getHeader("Content-Type"))) {
                    wrong.add(f.result().statusCode() + " " + f.result().bodyAsString());
                }
            }
            assertTrue(wrong.isEmpty(), String.join("\n", wrong));

            JsonObject good = new JsonObject().put("image", Base64.getEncoder().encodeToString(TestImages.png(77_001)))
                    .put("gender", "male").put("hospital", "headquarters");
            HttpResponse<Buffer> created = client.post("/MRI").bearerTokenAuthentication(token).sendJsonObject(good)
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(201, created.statusCode(), created.bodyAsString());
            HttpResponse<Buffer> ready = client.get("/health/ready").send().toCompletionStage().toCompletableFuture().get();
            assertEquals(200, ready.statusCode());
            String log = Files.readString(server.log);
            assertFalse(log.contains("OutOfMemoryError"), server.tail());
        } finally {
            client.close();
            server.terminate();
            server.waitFor(60);
        }
    }

    /** About 14 MB: {@code prefix} + "{}," repeated + "{}" + {@code suffix}, under the JSON upload limit. */
    private static Buffer emptyObjects(String prefix, String suffix) {
        int count = 4_600_000;
        StringBuilder body = new StringBuilder(prefix.length() + 3 * count + suffix.length());
        body.append(prefix);
        for (int i = 0; i < count; i++) {
            body.append("{},");
        }
        return Buffer.buffer(body.append("{}").append(suffix).toString());
    }
}
