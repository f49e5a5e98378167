package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.examples.TumorAlertVerticle;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("Every classification is published, and every action lands in the append-only audit trail")
class MriEventsAndAuditTest {

    static TestServer server;
    static String admin;
    static String doctor;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        // anonymous requests are written once per address and window: a short window for the test
        TestServer.startWith(vertx, new JsonObject().put("audit", new JsonObject().put("unauthenticated_window_seconds", 1)))
                .compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(t -> {
            admin = t;
            return server.createUser(t, "audit-doc", "A", "doctor");
        }).compose(u -> server.tokenOf("audit-doc")).onSuccess(t -> doctor = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a verticle of someone else's (docs/EXTENDING.md) hears mri.events.classified and raises its alert")
    void extensionHearsClassifications(Vertx vertx, VertxTestContext ctx) {
        Promise<JsonObject> alert = Promise.promise();
        vertx.eventBus().<JsonObject>consumer(TumorAlertVerticle.ALERTS, m -> alert.tryComplete(m.body()));
        vertx.deployVerticle(new TumorAlertVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("threshold", 0.0)))
                .compose(id -> server.uploaded(doctor, TestImages.png(11001), "A"))
                .compose(row -> alert.future().map(a -> {
                    ctx.verify(() -> {
                        assertEquals(row.getString("id"), a.getString("mri_id"));
                        assertEquals("A", a.getString("hospital"));
                        assertEquals(row.getDouble("probability"), a.getDouble("probability"), 1e-6);
                        assertEquals(row.getString("model_version"), a.getString("model_version"));
                    });
                    return a;
                }))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("upload, read, image, change, refusal, delete and login each leave an audit row with who, what, where and outcome")
    void auditTrail(Vertx vertx, VertxTestContext ctx) {
        String[] id = new String[1];
        server.uploaded(doctor, TestImages.png(12001), "A")
                .compose(row -> {
                    id[0] = row.getString("id");
                    return server.client.get("/MRI/" + id[0]).bearerTokenAuthentication(doctor).send();
                })
                .compose(r -> server.client.get("/MRI/" + id[0] + "/image").bearerTokenAuthentication(doctor).send())
                .compose(r -> server.client.patch("/MRI/" + id[0]).bearerTokenAuthentication(doctor).putHeader("If-Match", "\"1\"")
                        .sendJsonObject(new JsonObject().put("class", "tumor")))
                .compose(r -> server.client.delete("/MRI/" + id[0]).bearerTokenAuthentication(doctor).send())
                .compose(r -> server.client.delete("/MRI/" + id[0]).bearerTokenAuthentication(admin).send())
                // the trail is written in batches every 100 ms: wait for the six rows, up to 10 s
                .compose(r -> SharedPostgres.queryUntil(vertx, server.dbUri, c -> rows(c.prepareStatement(
                        "SELECT action, outcome, actor_name, address FROM audit_log WHERE target_id = ? ORDER BY at, id"), id[0]),
                        trail -> trail.size() >= 6))
                .onComplete(ctx.succeeding(trail -> ctx.verify(() -> {
                    assertEquals(List.of("mri.create:success:audit-doc", "mri.read:success:audit-doc",
                            "mri.image:success:audit-doc", "mri.update:success:audit-doc",
                            "mri.delete:denied:audit-doc", "mri.delete:success:admin"), trail);
                    long logins = SharedPostgres.query(server.dbUri, c -> {
                        try (ResultSet rs = c.createStatement().executeQuery(
                                "SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'success'")) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    });
                    assertTrue(logins >= 2);
                    ctx.completeNow();
                })));
    }

    static List<String> rows(PreparedStatement statement, String id) throws SQLException {
        statement.setString(1, id);
        List<String> out = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                assertNotNull(rs.getString("address"), "where from");
                out.add(rs.getString("action") + ":" + rs.getString("outcome") + ":" + rs.getString("actor_name"));
            }
        }
        return out;
    }

    @Test
    @DisplayName("a request without a valid token is recorded as denied, with where it came from")
    void unauthenticatedIsAudited(Vertx vertx, VertxTestContext ctx) {
        String expected = "auth.unauthenticated|denied|401|127.0.0.1|[\"GET /MRI\"]";
        server.client.get("/MRI?probe=anonymous").send()
                .compose(r -> SharedPostgres.queryUntil(vertx, server.dbUri, c -> {
                    try (ResultSet rs = c.createStatement().executeQuery(
                            "SELECT action, outcome, status, address, details->'paths' FROM audit_log"
                                    + " WHERE target_type = 'route' ORDER BY id DESC LIMIT 1")) {
                        return rs.next() ? rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3) + "|"
                                + rs.getString(4) + "|" + rs.getString(5) : "";
                    }
                }, expected::equals))
                .onComplete(ctx.succeeding(row -> ctx.verify(() -> {
                    assertEquals(expected, row);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("the audit trail refuses UPDATE, DELETE and TRUNCATE, whoever asks")
    void appendOnly() {
        for (String sql : List.of("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log")) {
            assertThrows(IllegalStateException.class, () -> SharedPostgres.query(server.dbUri, c -> {
                try (var s = c.createStatement()) {
                    s.execute("INSERT INTO audit_log (action, outcome) VALUES ('probe', 'success')");
                    return s.execute(sql);
                }
            }), sql);
        }
    }
}
