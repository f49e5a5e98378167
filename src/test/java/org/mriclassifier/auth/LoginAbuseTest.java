package org.mriclassifier.auth;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("Login resists guessing and says nothing about which accounts exist")
class LoginAbuseTest {

    static TestServer server;
    static String admin;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        JsonObject limits = new JsonObject().put("auth", new JsonObject()
                .put("login_max_failures_per_account", 5).put("login_max_failures_per_address", 1000)
                // the per-client backoff is LoginLockoutTest's subject: out of the way of the ceilings here
                .put("login_free_failures", 100));
        TestServer.startWith(vertx, limits).compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(t -> {
            admin = t;
            return server.createUser(t, "guessed", "L", "doctor")
                    .compose(u -> server.createUser(t, "timing", "L", "doctor"))
                    .compose(u -> server.createUser(t, "resets", "L", "doctor"));
        }).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static Future<HttpResponse<Buffer>> login(String email, String password) {
        return server.client.post("/login").sendJsonObject(new JsonObject().put("email", email).put("password", password));
    }

    @Test
    @DisplayName("after 5 failures for one account it answers 429 with Retry-After, even to the right password")
    void throttledPerAccount(VertxTestContext ctx) {
        Future<HttpResponse<Buffer>> chain = Future.succeededFuture();
        for (int i = 0; i < 5; i++) {
            chain = chain.compose(r -> login("guessed@test.example", "wrong-guess"));
        }
        chain.compose(fifth -> {
                    ctx.verify(() -> assertEquals(401, fifth.statusCode()));
                    return login("GUESSED@test.example", "wrong-guess");
                })
                .compose(sixth -> {
                    ctx.verify(() -> {
                        assertEquals(429, sixth.statusCode(), sixth.bodyAsString());
                        assertTrue(Long.parseLong(sixth.getHeader("Retry-After")) > 0);
                        assertEquals("application/problem+json", sixth.getHeader("Content-Type"));
                    });
                    return login("guessed@test.example", "guessed-password");
                })
                .onComplete(ctx.succeeding(right -> ctx.verify(() -> {
                    assertEquals(429, right.statusCode());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a successful login clears the account's failures")
    void successResets(VertxTestContext ctx) {
        Future<HttpResponse<Buffer>> chain = Future.succeededFuture();
        for (int i = 0; i < 4; i++) {
            chain = chain.compose(r -> login("resets@test.example", "wrong-guess"));
        }
        chain = chain.compose(r -> login("resets@test.example", "resets-password"));
        for (int i = 0; i < 4; i++) {
            chain = chain.compose(r -> login("resets@test.example", "wrong-guess"));
        }
        chain.compose(r -> login("resets@test.example", "resets-password"))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(200, r.statusCode());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("an unknown email and a wrong password get the same status and body, in about the same time")
    void sameAnswerForUnknownAndWrong(VertxTestContext ctx) {
        List<Long> unknown = Collections.synchronizedList(new ArrayList<>());
        List<Long> wrong = Collections.synchronizedList(new ArrayList<>());
        List<HttpResponse<Buffer>> samples = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        // alternate the two, 4 rounds each (under the account limit), so machine noise hits both alike
        for (int i = 0; i < 4; i++) {
            int round = i;
            chain = chain.compose(v -> timed(login("nobody-" + round + "@test.example", "wrong-guess"), unknown, samples))
                    .compose(v -> timed(login("timing@test.example", "wrong-guess"), wrong, samples));
        }
        chain.onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            assertEquals(TestServer.problemWithoutIds(samples.get(0)), TestServer.problemWithoutIds(samples.get(1)));
            for (HttpResponse<Buffer> r : samples) {
                assertEquals(401, r.statusCode());
                assertEquals(TestServer.problemWithoutIds(samples.get(0)), TestServer.problemWithoutIds(r));
            }
            long medianUnknown = median(unknown);
            long medianWrong = median(wrong);
            // without the decoy verification an unknown email answers in a few ms against ~200 ms of bcrypt
            assertTrue(Math.abs(medianUnknown - medianWrong) < Math.max(medianUnknown, medianWrong) / 2,
                    "unknown " + unknown + " vs wrong " + wrong);
            ctx.completeNow();
        })));
    }

    static Future<Void> timed(Future<HttpResponse<Buffer>> request, List<Long> times, List<HttpResponse<Buffer>> out) {
        long start = System.nanoTime();
        return request.map(r -> {
            times.add((System.nanoTime() - start) / 1_000_000);
            out.add(r);
            return null;
        });
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        assertNotNull(sorted.get(0));
        return sorted.get(sorted.size() / 2);
    }
}
