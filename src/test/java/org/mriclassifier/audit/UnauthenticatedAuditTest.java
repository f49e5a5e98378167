package org.mriclassifier.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestServer;

/** Anyone can send requests without a token, as many as they like: the append-only trail must not grow with them. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("Requests without a valid token are counted per address and window in the audit trail, not a row each")
class UnauthenticatedAuditTest {

    static final int WINDOW_SECONDS = 4;
    static TestServer server;

    /** At most one row per window the requests spanned (plus the windows at either end). */
    static long rowsAllowed(long startNanos) {
        return (System.nanoTime() - startNanos) / TimeUnit.SECONDS.toNanos(WINDOW_SECONDS) + 2;
    }

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.startWith(vertx, new JsonObject()
                        .put("audit", new JsonObject().put("unauthenticated_window_seconds", WINDOW_SECONDS))
                        .put("auth", new JsonObject().put("login_free_failures", 1).put("login_first_delay_ms", 60_000)))
                .onSuccess(s -> server = s).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("300 anonymous requests, one with a 3000-character path: a row or two with the count, no text over 256 characters")
    void aggregated(Vertx vertx, VertxTestContext ctx) {
        long start = System.nanoTime();
        long[] allowed = new long[1];
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < 299; i++) {
            sent.add(server.client.get("/MRI/" + i).send());
        }
        sent.add(server.client.get("/users/" + "x".repeat(3000)).send());
        Future.all(sent)
                .compose(all -> {
                    allowed[0] = rowsAllowed(start);
                    return Future.succeededFuture();
                })
                .compose(all -> SharedPostgres.queryUntil(vertx, server.dbUri, c -> {
                    try (ResultSet rs = c.createStatement().executeQuery("""
                            SELECT count(*), coalesce(sum((details->>'count')::int), 0),
                                   coalesce(max(length(details::text)), 0), max(length(action)),
                                   count(*) FILTER (WHERE action <> 'auth.unauthenticated')
                            FROM audit_log WHERE status = 401 AND address = '127.0.0.1'""")) {
                        rs.next();
                        return List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                    }
                }, answer -> answer.get(1) >= 300))
                .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
                    assertEquals(300L, answer.get(1), "every request counted: " + answer);
                    assertTrue(answer.get(0) <= allowed[0], "one row per address and window, not one per request: "
                            + answer + ", allowed " + allowed[0]);
                    assertTrue(answer.get(2) < 6 * 260, "the paths kept are few and cut: " + answer);
                    assertEquals(0L, answer.get(4), "no per-request rows: " + answer);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("logins refused because their client must wait are counted the same way, not a row each")
    void throttledLoginsAggregated(Vertx vertx, VertxTestContext ctx) {
        // from an address of its own, apart from the other test's requests
        WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
                .setDefaultPort(server.port).setLocalAddress("127.0.0.6"));
        JsonObject guess = new JsonObject().put("email", "nobody@spray.example").put("password", "wrong-guess");
        long start = System.nanoTime();
        long[] allowed = new long[1];
        Future<Integer> chain = client.post("/login").sendJsonObject(guess).map(r -> r.statusCode());
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            chain = chain.compose(status -> {
                statuses.add(status);
                return client.post("/login").sendJsonObject(guess).map(r -> r.statusCode());
            });
        }
        chain.compose(last -> {
                    statuses.add(last);
                    allowed[0] = rowsAllowed(start);
                    return SharedPostgres.queryUntil(vertx, server.dbUri, c -> {
                        try (ResultSet rs = c.createStatement().executeQuery("""
                                SELECT count(*), coalesce(sum((details->>'count')::int), 0) FROM audit_log
                                WHERE action = 'auth.login.throttled' AND address = '127.0.0.6'""")) {
                            rs.next();
                            return List.of(rs.getLong(1), rs.getLong(2));
                        }
                    }, answer -> answer.get(1) >= 39);
                })
                .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
                    assertEquals(39L, statuses.stream().filter(s -> s == 429).count(), statuses.toString());
                    assertEquals(39L, answer.get(1), "every refusal counted: " + answer);
                    assertTrue(answer.get(0) <= allowed[0], "one row per address and window: " + answer
                            + ", allowed " + allowed[0]);
                    long perAttempt = SharedPostgres.query(server.dbUri, c -> {
                        try (ResultSet rs = c.createStatement().executeQuery(
                                "SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'throttled'")) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    });
                    assertEquals(0L, perAttempt);
                    client.close();
                    ctx.completeNow();
                })));
    }
}
