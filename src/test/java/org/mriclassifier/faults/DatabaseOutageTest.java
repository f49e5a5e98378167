package org.mriclassifier.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.db.EmbeddedDatabase;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("When the database goes away the server says so quickly, and recovers by itself")
class DatabaseOutageTest {

    @Test
    @DisplayName("database down: 503 within seconds, ready 503, live 200; database back: ready 200 and requests work")
    void outageAndRecovery(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path dbDir = TestServer.tempDir();
        int port = TestServer.freePort();
        EmbeddedDatabase[] database = {EmbeddedDatabase.start(dbDir, port)};
        var o = database[0].ownerTarget().connectOptions();
        String url = "postgresql://" + o.getUser() + ":" + o.getPassword() + "@127.0.0.1:" + port + "/" + o.getDatabase();
        JsonObject config = TestServer.config(TestServer.tempDir(), url, new JsonObject()
                .put("db", new JsonObject().put("url", url).put("connect_timeout_ms", 2000)));
        TestServer server = TestServer.startConfigured(vertx, config).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        String admin = server.adminToken().toCompletionStage().toCompletableFuture().get();

        vertx.executeBlocking(() -> {
                    database[0].close();
                    return null;
                })
                .compose(v -> timed(server.client.get("/users/admin").bearerTokenAuthentication(admin).send()))
                .compose(down -> {
                    ctx.verify(() -> {
                        assertEquals(503, down.response().statusCode(), down.response().bodyAsString());
                        assertNotNull(down.response().getHeader("Retry-After"));
                        assertTrue(down.millis() < 5_000, "answered in " + down.millis() + " ms");
                        assertTrue(!down.response().bodyAsString().contains("postgres"), "no internals");
                    });
                    return server.client.get("/health/ready").send();
                })
                .compose(ready -> {
                    ctx.verify(() -> assertEquals(503, ready.statusCode()));
                    return server.client.get("/health/live").send();
                })
                .compose(live -> {
                    ctx.verify(() -> assertEquals(200, live.statusCode()));
                    return server.client.post("/login").sendJsonObject(new JsonObject()
                            .put("email", TestServer.ADMIN_EMAIL).put("password", TestServer.ADMIN_PASSWORD));
                })
                .compose(login -> {
                    ctx.verify(() -> assertEquals(503, login.statusCode(), "a login cannot be checked: not 401"));
                    return vertx.executeBlocking(() -> {
                        database[0] = EmbeddedDatabase.start(dbDir, port);
                        return null;
                    });
                })
                .compose(v -> untilReady(vertx, server, 60))
                .compose(v -> server.client.get("/users/admin").bearerTokenAuthentication(admin).send())
                .compose(back -> {
                    ctx.verify(() -> assertEquals(200, back.statusCode(), back.bodyAsString()));
                    return server.stop();
                })
                .eventually(() -> vertx.executeBlocking(() -> {
                    database[0].close();
                    return null;
                }))
                .onComplete(ctx.succeedingThenComplete());
    }

    record Timed(HttpResponse<Buffer> response, long millis) {
    }

    static Future<Timed> timed(Future<HttpResponse<Buffer>> request) {
        long start = System.nanoTime();
        return request.map(r -> new Timed(r, (System.nanoTime() - start) / 1_000_000));
    }

    static Future<Void> untilReady(Vertx vertx, TestServer server, int attempts) {
        return server.client.get("/health/ready").send().compose(r -> {
            if (r.statusCode() == 200) {
                return Future.succeededFuture();
            }
            if (attempts == 0) {
                return Future.failedFuture("never ready again: " + r.bodyAsString());
            }
            return vertx.timer(500).compose(t -> untilReady(vertx, server, attempts - 1));
        });
    }
}
