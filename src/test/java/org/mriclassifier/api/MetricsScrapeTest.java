package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.auth.ScrapeToken;
import org.mriclassifier.testing.TestServer;

/** Prometheus scrapes /metrics with a long-lived bearer secret of its own, which opens nothing else. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("A configured scrape token lets Prometheus read /metrics, and only /metrics")
class MetricsScrapeTest {

    static final String TOKEN = randomToken();
    static TestServer server;

    static String randomToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.startWith(vertx, new JsonObject().put("metrics", new JsonObject().put("scrape_token", TOKEN)))
                .onSuccess(s -> server = s).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("GET /metrics with the token: 200 in the Prometheus format; a wrong one 401; the token elsewhere 401")
    void scrape(VertxTestContext ctx) {
        server.client.get("/metrics").bearerTokenAuthentication(TOKEN).send()
                .compose(r -> {
                    ctx.verify(() -> {
                        assertEquals(200, r.statusCode(), r.bodyAsString());
                        assertTrue(r.getHeader("Content-Type").startsWith("text/plain; version=0.0.4"));
                        assertTrue(r.bodyAsString().contains("# TYPE "), "Prometheus text");
                    });
                    return server.client.get("/metrics").bearerTokenAuthentication(TOKEN.substring(1) + "A").send();
                })
                .compose(r -> {
                    ctx.verify(() -> assertEquals(401, r.statusCode(), r.bodyAsString()));
                    return server.client.get("/MRI").bearerTokenAuthentication(TOKEN).send();
                })
                .compose(r -> {
                    ctx.verify(() -> assertEquals(401, r.statusCode(), r.bodyAsString()));
                    return server.client.get("/users").bearerTokenAuthentication(TOKEN).send();
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(401, r.statusCode(), r.bodyAsString());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("unconfigured, the token is generated once into the data directory, owner-only; a weak configured one stops start-up")
    void generatedAndChecked() throws Exception {
        Path dir = TestServer.tempDir();
        ScrapeToken first = ScrapeToken.resolve("", dir);
        Path file = dir.resolve("metrics-scrape.token");
        String stored = Files.readString(file).trim();
        assertTrue(stored.length() >= 40);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(first.matches("Bearer " + stored));
        assertTrue(ScrapeToken.resolve(null, dir).matches("bearer " + stored), "read back, not made again");
        assertThrows(IllegalStateException.class, () -> ScrapeToken.resolve("prometheus", dir));
    }
}
