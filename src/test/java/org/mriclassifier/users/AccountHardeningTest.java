package org.mriclassifier.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
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

/** Account hardening: look-alike names, conflicts that name no hospital, everyone's own password. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("User names are unique by their look, conflicts leak nothing, and every user can change their password")
class AccountHardeningTest {

    static TestServer server;
    static String admin;
    static String moderatorA;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(t -> {
            admin = t;
            return server.createUser(t, "hard-mod-a", "A", "moderator")
                    .compose(u -> server.createUser(t, "taken-b", "B", "doctor"))
                    .compose(u -> server.createUser(t, "own-a", "A", "doctor"))
                    .compose(u -> server.createUser(t, "self-tech", "A", "technician"))
                    .compose(u -> server.createUser(t, "self-doc", "A", "doctor"))
                    .compose(u -> server.tokenOf("hard-mod-a"));
        }).onSuccess(t -> moderatorA = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static JsonObject newUser(String name, String email, String hospital) {
        return new JsonObject().put("user_name", name).put("user_email", email)
                .put("user_password", "a long passphrase").put("user_hospital", hospital).put("user_role", "doctor");
    }

    static Future<HttpResponse<Buffer>> create(String token, JsonObject body) {
        return server.client.post("/users").bearerTokenAuthentication(token).sendJsonObject(body);
    }

    static Future<HttpResponse<Buffer>> patch(String token, String name, JsonObject body) {
        return server.client.patch("/users/" + name).bearerTokenAuthentication(token).sendJsonObject(body);
    }

    @Test
    @DisplayName("names that differ only in case, separators or compatibility forms collide (409)")
    void lookAlikeNamesCollide(VertxTestContext ctx) {
        List<String> answers = new ArrayList<>();
        Future<Void> chain = create(admin, newUser("LookAlike", "lookalike@test.example", "A"))
                .map(r -> {
                    answers.add("LookAlike " + r.statusCode());
                    return null;
                });
        int n = 0;
        for (String name : List.of("lookalike", "look.alike", "look-alike.", "LOOK_ALIKE", "l.o.o.k.a.l.i.k.e")) {
            int i = n++;
            chain = chain.compose(v -> create(admin, newUser(name, "lookalike" + i + "@test.example", "A")))
                    .map(r -> {
                        answers.add(name + " " + r.statusCode());
                        return null;
                    });
        }
        // a rename into a look-alike collides too
        chain.compose(v -> patch(admin, "own-a", new JsonObject().put("user_name", "lookALIKE")))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    answers.add("rename " + r.statusCode());
                    assertEquals(List.of("LookAlike 201", "lookalike 409", "look.alike 409", "look-alike. 409",
                            "LOOK_ALIKE 409", "l.o.o.k.a.l.i.k.e 409", "rename 409"), answers);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a 409 reads the same whether the name or email is held in the moderator's hospital or another; the audit trail says which")
    void conflictsNameNoHospital(Vertx vertx, VertxTestContext ctx) {
        List<HttpResponse<Buffer>> answers = new ArrayList<>();
        create(moderatorA, newUser("taken-b", "fresh1@test.example", "A"))
                .compose(r -> {
                    answers.add(r);
                    return create(moderatorA, newUser("own-a", "fresh2@test.example", "A"));
                })
                .compose(r -> {
                    answers.add(r);
                    return create(moderatorA, newUser("fresh-three", "taken-b@test.example", "A"));
                })
                .compose(r -> {
                    answers.add(r);
                    return create(moderatorA, newUser("fresh-four", "own-a@test.example", "A"));
                })
                .compose(r -> {
                    answers.add(r);
                    return SharedPostgres.queryUntil(vertx, server.dbUri, c -> {
                        try (PreparedStatement s = c.prepareStatement("""
                                SELECT target_id, details->>'reason' FROM audit_log
                                WHERE action = 'user.create' AND status = 409 AND actor_name = 'hard-mod-a' ORDER BY id""")) {
                            List<String> rows = new ArrayList<>();
                            try (ResultSet rs = s.executeQuery()) {
                                while (rs.next()) {
                                    rows.add(rs.getString(1) + ": " + rs.getString(2));
                                }
                            }
                            return rows;
                        }
                    }, rows -> rows.size() >= 4);
                })
                .onComplete(ctx.succeeding(trail -> ctx.verify(() -> {
                    for (HttpResponse<Buffer> r : answers) {
                        assertEquals(409, r.statusCode(), r.bodyAsString());
                        assertFalse(r.bodyAsString().contains("\"B\"") || r.bodyAsString().contains("hospital")
                                || r.bodyAsString().contains("exist"), r.bodyAsString());
                    }
                    assertEquals(TestServer.problemWithoutIds(answers.get(0)), TestServer.problemWithoutIds(answers.get(1)));
                    assertEquals(TestServer.problemWithoutIds(answers.get(2)), TestServer.problemWithoutIds(answers.get(3)));
                    assertEquals(List.of(
                            "taken-b: user_name already taken by a user of hospital B",
                            "own-a: user_name already taken by a user of the same hospital",
                            "fresh-three: user_email already taken by a user of hospital B",
                            "fresh-four: user_email already taken by a user of the same hospital"), trail);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a technician or doctor changes their own password with the current one, and nothing else")
    void everyoneChangesTheirOwnPassword(VertxTestContext ctx) {
        List<String> answers = new ArrayList<>();
        String techPassword = "self-tech-password";
        String next = "a brand new passphrase";
        server.tokenOf("self-tech").compose(tech -> patch(tech, "self-tech", new JsonObject().put("user_password", next))
                        .compose(r -> {
                            answers.add("without current " + r.statusCode());
                            return patch(tech, "self-tech", new JsonObject().put("user_password", next)
                                    .put("current_password", "not the password"));
                        })
                        .compose(r -> {
                            answers.add("wrong current " + r.statusCode());
                            return patch(tech, "self-tech", new JsonObject().put("user_role", "admin")
                                    .put("user_password", next).put("current_password", techPassword));
                        })
                        .compose(r -> {
                            answers.add("own role " + r.statusCode());
                            return patch(tech, "self-doc", new JsonObject().put("user_password", next)
                                    .put("current_password", techPassword));
                        })
                        .compose(r -> {
                            answers.add("someone else's " + r.statusCode());
                            return patch(tech, "self-tech", new JsonObject().put("user_password", next)
                                    .put("current_password", techPassword));
                        }))
                .compose(r -> {
                    answers.add("own password " + r.statusCode());
                    return server.login("self-tech@test.example", techPassword).map(t -> "old works").otherwise("old refused");
                })
                .compose(old -> {
                    answers.add(old);
                    return server.login("self-tech@test.example", next).map(t -> "new works");
                })
                .compose(works -> {
                    answers.add(works);
                    return server.tokenOf("self-doc");
                })
                .compose(doc -> server.client.patch("/user/self-doc").bearerTokenAuthentication(doc).sendJsonObject(
                        new JsonObject().put("user_password", next).put("current_password", "self-doc-password")))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    answers.add("doctor, original route " + r.statusCode());
                    assertEquals(List.of("without current 400", "wrong current 403", "own role 403",
                            "someone else's 403", "own password 200", "old refused", "new works",
                            "doctor, original route 200"), answers);
                    ctx.completeNow();
                })));
    }
}
