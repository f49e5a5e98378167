package org.mriclassifier.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.sql.PreparedStatement;
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

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("Passwords are stored as bcrypt hashes (cost 12+) and never silently truncated")
class PasswordsTest {

    static TestServer server;
    static String admin;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            return s.adminToken();
        }).onSuccess(t -> admin = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static JsonObject user(String name, String password) {
        return new JsonObject().put("user_name", name).put("user_email", name + "@pw.example")
                .put("user_password", password).put("user_hospital", "P").put("user_role", "doctor");
    }

    static String hashOf(String userName) {
        return SharedPostgres.query(server.dbUri, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT password_hash FROM users WHERE user_name = ?")) {
                s.setString(1, userName);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    @Test
    @DisplayName("the stored hash is bcrypt with cost >= 12, salted: one password gives two different hashes")
    void bcryptFormatAndCost(VertxTestContext ctx) {
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(user("hash-1", "same-password"))
                .compose(r -> server.client.post("/users").bearerTokenAuthentication(admin)
                        .sendJsonObject(user("hash-2", "same-password")))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    String h1 = hashOf("hash-1");
                    String h2 = hashOf("hash-2");
                    assertTrue(h1.matches("^\\$2[aby]\\$(1[2-9]|[23]\\d)\\$[./A-Za-z0-9]{53}$"), h1);
                    assertTrue(Integer.parseInt(h1.substring(4, 6)) >= 12);
                    assertNotEquals(h1, h2);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a password of 72 bytes is accepted and works; one more byte is refused with 400 naming user_password")
    void seventyTwoBytes(VertxTestContext ctx) {
        String exactly72 = "a".repeat(72);
        String multiByte = "é".repeat(37); // 37 characters, 74 bytes: within the contract's 72 characters
        List<String> wrong = new ArrayList<>();
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(user("long-ok", exactly72))
                .compose(r -> {
                    check(wrong, "72 bytes", r.statusCode(), 201);
                    return server.client.post("/users").bearerTokenAuthentication(admin)
                            .sendJsonObject(user("long-bytes", multiByte));
                })
                .compose(r -> {
                    check(wrong, "74 bytes in 37 characters", r.statusCode(), 400);
                    if (r.statusCode() == 400) {
                        JsonObject error = r.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0);
                        check(wrong, "field named", error.getString("field").equals("user_password") ? 1 : 0, 1);
                        check(wrong, "says 72 bytes", error.getString("message").contains("72 bytes") ? 1 : 0, 1);
                    }
                    return server.client.post("/users").bearerTokenAuthentication(admin)
                            .sendJsonObject(user("long-chars", "a".repeat(73)));
                })
                .compose(r -> {
                    check(wrong, "73 characters", r.statusCode(), 400);
                    return server.client.patch("/users/long-ok").bearerTokenAuthentication(admin)
                            .sendJsonObject(new JsonObject().put("user_password", multiByte));
                })
                .compose(r -> {
                    check(wrong, "changing to 74 bytes", r.statusCode(), 400);
                    return server.client.post("/login").sendJsonObject(
                            new JsonObject().put("email", "long-ok@pw.example").put("password", exactly72));
                })
                .compose(r -> {
                    check(wrong, "login with the 72 bytes", r.statusCode(), 200);
                    return server.client.post("/login").sendJsonObject(
                            new JsonObject().put("email", "long-ok@pw.example").put("password", exactly72 + "X"));
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    check(wrong, "login with 72 bytes + 1 (bcrypt would ignore it)", r.statusCode(), 401);
                    assertEquals(List.of(), wrong);
                    assertEquals(null, hashOf("long-bytes"));
                    ctx.completeNow();
                })));
    }

    static void check(List<String> wrong, String what, int actual, int expected) {
        if (actual != expected) {
            wrong.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
