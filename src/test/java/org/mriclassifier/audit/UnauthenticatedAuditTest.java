package org.mriclassifier.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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

    static TestServer server;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.startWith(vertx, new JsonObject().put("audit", new JsonObject().put("unauthenticated_window_seconds", 2)))
                .onSuccess(s -> server = s).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("300 anonymous requests, one with a 3000-character path: a row or two with the count, no text over 256 characters")
    void aggregated(Vertx vertx, VertxTestContext ctx) {
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < 299; i++) {
            sent.add(server.client.get("/MRI/" + i).send());
        }
        sent.add(server.client.get("/users/" + "x".repeat(3000)).send());
        Future.all(sent)
                .compose(all -> SharedPostgres.queryUntil(vertx, server.dbUri, c -> {
                    try (ResultSet rs = c.createStatement().executeQuery("""
                            SELECT count(*), coalesce(sum((details->>'count')::int), 0),
                                   coalesce(max(length(details::text)), 0), max(length(action)),
                                   count(*) FILTER (WHERE action <> 'auth.unauthenticated')
                            FROM audit_log WHERE status = 401""")) {
                        rs.next();
                        return List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                    }
                }, answer -> answer.get(1) >= 300))
                .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
                    assertEquals(300L, answer.get(1), "every request counted: " + answer);
                    assertTrue(answer.get(0) <= 3, "one row per address and window, not one per request: " + answer);
                    assertTrue(answer.get(2) < 6 * 260, "the paths kept are few and cut: " + answer);
                    assertEquals(0L, answer.get(4), "no per-request rows: " + answer);
                    ctx.completeNow();
                })));
    }
}
