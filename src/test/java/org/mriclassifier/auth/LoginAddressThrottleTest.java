package org.mriclassifier.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("One client address guessing across many accounts is throttled too")
class LoginAddressThrottleTest {

    static TestServer server;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        JsonObject limits = new JsonObject().put("auth", new JsonObject()
                .put("login_max_failures_per_account", 100).put("login_max_failures_per_address", 6));
        TestServer.startWith(vertx, limits).onSuccess(s -> server = s).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("6 failures on 6 different emails from one address, then 429 with Retry-After")
    void perAddress(VertxTestContext ctx) {
        Future<HttpResponse<Buffer>> chain = Future.succeededFuture();
        for (int i = 0; i < 6; i++) {
            int n = i;
            chain = chain.compose(r -> server.client.post("/login").sendJsonObject(
                    new JsonObject().put("email", "user" + n + "@spray.example").put("password", "Winter2026!")));
        }
        chain.compose(r -> server.client.post("/login").sendJsonObject(
                        new JsonObject().put("email", TestServer.ADMIN_EMAIL).put("password", TestServer.ADMIN_PASSWORD)))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(429, r.statusCode());
                    assertNotNull(r.getHeader("Retry-After"));
                    ctx.completeNow();
                })));
    }
}
