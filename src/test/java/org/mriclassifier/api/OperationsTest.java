package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
@DisplayName("Health probes, the contract and its documentation are public; everything carries a request id")
class OperationsTest {

    static TestServer server;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).onSuccess(s -> server = s).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("/health/live and /health/ready answer 200 UP without a token")
    void health(VertxTestContext ctx) {
        server.client.get("/health/live").send()
                .compose(live -> {
                    ctx.verify(() -> assertEquals(200, live.statusCode()));
                    return server.client.get("/health/ready").send();
                })
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    assertEquals(200, ready.statusCode(), ready.bodyAsString());
                    assertEquals("UP", ready.bodyAsJsonObject().getString("status"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("/openapi.yaml serves the contract as written; /docs serves Swagger UI and its assets")
    void contractAndDocs(VertxTestContext ctx) throws Exception {
        String onDisk = Files.readString(Path.of("openapi.yaml"));
        server.client.get("/openapi.yaml").send()
                .compose(contract -> {
                    ctx.verify(() -> {
                        assertEquals(200, contract.statusCode());
                        assertEquals(onDisk, contract.bodyAsString());
                    });
                    return server.client.get("/docs").send();
                })
                .compose(page -> {
                    ctx.verify(() -> {
                        assertEquals(200, page.statusCode());
                        assertTrue(page.bodyAsString().contains("swagger-ui-bundle.js"));
                    });
                    return server.client.get("/docs/swagger-ui-bundle.js").send();
                })
                .onComplete(ctx.succeeding(asset -> ctx.verify(() -> {
                    assertEquals(200, asset.statusCode());
                    assertTrue(asset.body().length() > 100_000);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("responses carry nosniff, no-store and the request id (the client's own when sane)")
    void headers(VertxTestContext ctx) {
        server.client.get("/health/live").putHeader("X-Request-Id", "client-chosen-id-1").send()
                .compose(r -> {
                    ctx.verify(() -> {
                        assertEquals("client-chosen-id-1", r.getHeader("X-Request-Id"));
                        assertEquals("nosniff", r.getHeader("X-Content-Type-Options"));
                        assertEquals("no-store", r.getHeader("Cache-Control"));
                    });
                    return server.client.get("/health/live").putHeader("X-Request-Id", "bad id <script>").send();
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertNotEquals("bad id <script>", r.getHeader("X-Request-Id"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("unknown routes and methods answer 404 and 405 as problems")
    void unknownRoutes(VertxTestContext ctx) {
        server.client.get("/no/such/route").send()
                .compose(r -> {
                    ctx.verify(() -> {
                        assertEquals(404, r.statusCode());
                        assertEquals("application/problem+json", r.getHeader("Content-Type"));
                    });
                    return server.client.delete("/login").send();
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(405, r.statusCode());
                    assertEquals(405, r.bodyAsJsonObject().getInteger("status"));
                    ctx.completeNow();
                })));
    }
}
