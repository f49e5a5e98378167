package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.lifecycle.Observability;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("GET /metrics: Prometheus text with HTTP, classification, pool and JVM metrics, for admins only")
class MetricsTest {

    @Test
    @DisplayName("after an upload the metrics show it by route and status, with batch sizes, queue and inference times")
    void metrics() throws Exception {
        Vertx vertx = Observability.newVertx(new VertxOptions());
        try {
            JsonObject config = TestServer.config(TestServer.tempDir(), SharedPostgres.newDatabase(), new JsonObject());
            TestServer server = TestServer.startConfigured(vertx, config).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
            String admin = server.adminToken().toCompletionStage().toCompletableFuture().get();
            server.createUser(admin, "metrics-doc", "M", "doctor").toCompletionStage().toCompletableFuture().get();
            String doctor = server.tokenOf("metrics-doc").toCompletionStage().toCompletableFuture().get();
            server.uploaded(doctor, TestImages.png(40_001), "M").toCompletionStage().toCompletableFuture().get();
            // refused before its body is read (and before the contract's route): still counted under /MRI
            var anonymous = server.client.post("/MRI").sendMultipartForm(io.vertx.ext.web.multipart.MultipartForm.create()
                            .binaryFileUpload("file", "scan", io.vertx.core.buffer.Buffer.buffer(TestImages.png(40_002)),
                                    "image/png").attribute("gender", "male").attribute("hospital", "M"))
                    .toCompletionStage().toCompletableFuture().get();
            assertEquals(401, anonymous.statusCode());

            var forbidden = server.client.get("/metrics").bearerTokenAuthentication(doctor).send()
                    .toCompletionStage().toCompletableFuture().get();
            assertEquals(403, forbidden.statusCode());
            var response = server.client.get("/metrics").bearerTokenAuthentication(admin).send()
                    .toCompletionStage().toCompletableFuture().get();
            assertEquals(200, response.statusCode());
            assertTrue(response.getHeader("Content-Type").startsWith("text/plain"));
            String text = response.bodyAsString();
            for (String expected : List.of(
                    "vertx_http_server_requests_total{code=\"201\",method=\"POST\",route=\"/MRI\"",
                    "vertx_http_server_response_time_seconds_bucket{code=\"201\",method=\"POST\",route=\"/MRI\"",
                    "vertx_http_server_requests_total{code=\"401\",method=\"POST\",route=\"/MRI\"} 1.0",
                    "mri_inference_requests_total{outcome=\"success\"} 1.0",
                    "mri_inference_batch_size_bucket{le=\"1.0\"} 1",
                    "mri_inference_queue_seconds_count 1",
                    "mri_inference_batch_seconds_count 1",
                    "mri_preprocess_seconds_count 1",
                    "mri_inference_queue_depth",
                    "vertx_pool_in_use{pool_name=\"mri-pool\",pool_type=\"sql\"}",
                    "vertx_pool_queue_time_seconds_bucket",
                    "jvm_memory_used_bytes")) {
                assertTrue(text.contains(expected), expected + " in\n" + text.lines()
                        .filter(l -> l.startsWith(expected.substring(0, Math.min(20, expected.length())))).toList());
            }
            assertTrue(!text.contains("route=\"/MRI/" + "00"), "routes are templates, never raw paths");
            server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
