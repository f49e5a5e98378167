package org.mriclassifier.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestServer;

/**
 * Failed logins slow down the client that makes them, a client being an (account, address) pair: with the
 * default limits, a guesser cannot lock the account's owner out from another address, nor lock out the other
 * users behind its own address. Clients come from different loopback addresses (127.0.0.x).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("Failed logins delay their own client, never the account's owner elsewhere nor the neighbours behind one address")
class LoginLockoutTest {

    static TestServer server;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        // a first delay of 3 s, so that a bcrypt slowed by a busy machine cannot outlast it
        TestServer.startWith(vertx, new JsonObject().put("auth", new JsonObject().put("login_first_delay_ms", 3000)))
                .compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(t -> server.createUser(t, "victim", "L", "doctor")
                .compose(u -> server.createUser(t, "neighbour", "L", "doctor"))
                .compose(u -> server.createUser(t, "slowed", "L", "doctor")))
                .onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static WebClient from(Vertx vertx, String address) {
        return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
                .setDefaultPort(server.port).setLocalAddress(address));
    }

    static Future<HttpResponse<Buffer>> login(WebClient client, String email, String password) {
        return client.post("/login").sendJsonObject(new JsonObject().put("email", email).put("password", password));
    }

    /** {@code times} attempts one after the other, whatever they answer; the statuses in order. */
    static Future<List<Integer>> attempts(WebClient client, int times, int accounts, String password) {
        List<Integer> statuses = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < times; i++) {
            String email = accounts == 1 ? "victim@test.example" : "sprayed" + i + "@nowhere.example";
            chain = chain.compose(v -> login(client, email, password).map(r -> {
                statuses.add(r.statusCode());
                return null;
            }));
        }
        return chain.map(v -> statuses);
    }

    @Test
    @DisplayName("12 wrong passwords for an account from one address: the owner, from another, logs in at once")
    void ownerIsNotLockedOut(Vertx vertx, VertxTestContext ctx) {
        WebClient attacker = from(vertx, "127.0.0.2");
        WebClient owner = from(vertx, "127.0.0.3");
        attempts(attacker, 12, 1, "wrong-guess")
                .compose(statuses -> {
                    ctx.verify(() -> assertTrue(statuses.contains(429), "the guesser is slowed down: " + statuses));
                    return login(owner, "victim@test.example", "victim-password");
                })
                .compose(r -> {
                    ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
                    // and the guesser is still waiting, even with the right password
                    return login(attacker, "victim@test.example", "victim-password");
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(429, r.statusCode(), r.bodyAsString());
                    assertTrue(Long.parseLong(r.getHeader("Retry-After")) >= 1);
                    attacker.close();
                    owner.close();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("60 failures on many accounts from one address (a hospital behind NAT): another user there logs in at once")
    void neighboursAreNotLockedOut(Vertx vertx, VertxTestContext ctx) {
        WebClient nat = from(vertx, "127.0.0.4");
        attempts(nat, 60, 60, "Winter2026!")
                .compose(statuses -> {
                    ctx.verify(() -> assertEquals(60, statuses.stream().filter(s -> s == 401).count(), statuses.toString()));
                    return login(nat, "neighbour@test.example", "neighbour-password");
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(200, r.statusCode(), r.bodyAsString());
                    nat.close();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("one client's delays grow after its free failures, and a success starts it afresh")
    void delaysGrow(Vertx vertx, VertxTestContext ctx) {
        WebClient client = from(vertx, "127.0.0.5");
        List<String> seen = new ArrayList<>();
        List<Long> waits = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < 3; i++) {
            chain = chain.compose(v -> login(client, "slowed@test.example", "wrong-guess")
                    .map(r -> seen.add("free " + r.statusCode())).mapEmpty());
        }
        chain.compose(v -> login(client, "slowed@test.example", "wrong-guess"))   // 4th: 401, then 3 s to wait
                .compose(r -> {
                    seen.add("fourth " + r.statusCode());
                    return login(client, "slowed@test.example", "slowed-password");
                })
                .compose(r -> {
                    seen.add("at once " + r.statusCode());
                    waits.add(Long.parseLong(r.getHeader("Retry-After")));
                    return vertx.timer(3100).compose(t -> login(client, "slowed@test.example", "wrong-guess"));
                })
                .compose(r -> {                                                     // 5th: 401, then 6 s
                    seen.add("fifth " + r.statusCode());
                    return login(client, "slowed@test.example", "wrong-guess");
                })
                .compose(r -> {
                    seen.add("at once " + r.statusCode());
                    waits.add(Long.parseLong(r.getHeader("Retry-After")));
                    return vertx.timer(6100).compose(t -> login(client, "slowed@test.example", "slowed-password"));
                })
                .compose(r -> {
                    seen.add("right " + r.statusCode());
                    return login(client, "slowed@test.example", "wrong-guess");
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    seen.add("afresh " + r.statusCode());
                    assertEquals(List.of("free 401", "free 401", "free 401", "fourth 401", "at once 429",
                            "fifth 401", "at once 429", "right 200", "afresh 401"), seen);
                    // 3 s, then 6 s, less the time the refused attempt's bcrypt took before the next one was sent
                    assertTrue(waits.get(0) >= 1 && waits.get(0) <= 3, "first wait " + waits);
                    assertTrue(waits.get(1) > waits.get(0) && waits.get(1) <= 6, "the wait grows: " + waits);
                    client.close();
                    ctx.completeNow();
                })));
    }
}
