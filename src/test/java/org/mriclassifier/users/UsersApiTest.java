package org.mriclassifier.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.sql.ResultSet;
import java.util.Set;
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
@DisplayName("The users API, as a client of the original project calls it")
class UsersApiTest {

    static TestServer server;
    static String admin;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx)
                .compose(s -> {
                    server = s;
                    return s.adminToken();
                })
                .onSuccess(token -> admin = token)
                .onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    private static JsonObject newUser(String name) {
        return new JsonObject().put("user_name", name).put("user_email", name + "@Example.org")
                .put("user_password", "secret-" + name).put("user_hospital", "St. Mary").put("user_role", "doctor");
    }

    @Test
    @DisplayName("POST /users creates a user (201, Location) and GET /users/{name} reads it back without any password")
    void createAndRead(VertxTestContext ctx) {
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(newUser("alice"))
                .compose(created -> {
                    ctx.verify(() -> {
                        assertEquals(201, created.statusCode(), created.bodyAsString());
                        assertEquals("/users/alice", created.getHeader("Location"));
                        JsonObject body = created.bodyAsJsonObject();
                        assertEquals("alice", body.getString("user_name"));
                        assertEquals("alice@Example.org", body.getString("user_email"));
                        assertEquals("St. Mary", body.getString("user_hospital"));
                        assertEquals("doctor", body.getString("user_role"));
                        assertNoSecrets(created);
                    });
                    return server.client.get("/users/alice").bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(read -> ctx.verify(() -> {
                    assertEquals(200, read.statusCode());
                    assertEquals("alice", read.bodyAsJsonObject().getString("user_name"));
                    assertNoSecrets(read);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("the new user can log in with the original API's body and gets an access_token")
    void newUserLogsIn(VertxTestContext ctx) {
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(newUser("bob"))
                .compose(r -> server.client.post("/login").sendJsonObject(
                        new JsonObject().put("email", "bob@example.org").put("password", "secret-bob")))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(200, r.statusCode(), r.bodyAsString());
                    assertNotNull(r.bodyAsJsonObject().getString("access_token"));
                    assertEquals("Bearer", r.bodyAsJsonObject().getString("token_type"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("PUT, PATCH and DELETE work on /user/{name} (the original paths) and /users/{name}")
    void changeAndDeleteOnBothPaths(VertxTestContext ctx) {
        JsonObject replacement = new JsonObject().put("user_email", "carol@new.example")
                .put("user_hospital", "St. Mary").put("user_role", "technician");
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(newUser("carol"))
                .compose(r -> server.client.put("/user/carol").bearerTokenAuthentication(admin).sendJsonObject(replacement))
                .compose(put -> {
                    ctx.verify(() -> {
                        assertEquals(200, put.statusCode(), put.bodyAsString());
                        assertEquals("carol@new.example", put.bodyAsJsonObject().getString("user_email"));
                        assertEquals("technician", put.bodyAsJsonObject().getString("user_role"));
                    });
                    return server.client.patch("/users/carol").bearerTokenAuthentication(admin)
                            .sendJsonObject(new JsonObject().put("user_role", "doctor"));
                })
                .compose(patch -> {
                    ctx.verify(() -> {
                        assertEquals(200, patch.statusCode(), patch.bodyAsString());
                        assertEquals("doctor", patch.bodyAsJsonObject().getString("user_role"));
                        assertEquals("carol@new.example", patch.bodyAsJsonObject().getString("user_email"));
                    });
                    return server.client.patch("/user/carol").bearerTokenAuthentication(admin)
                            .sendJsonObject(new JsonObject().put("user_hospital", "General"));
                })
                .compose(patch -> {
                    ctx.verify(() -> assertEquals("General", patch.bodyAsJsonObject().getString("user_hospital")));
                    return server.client.delete("/user/carol").bearerTokenAuthentication(admin).send();
                })
                .compose(deleted -> {
                    ctx.verify(() -> assertEquals(200, deleted.statusCode()));
                    return server.client.get("/users/carol").bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(gone -> ctx.verify(() -> {
                    assertEquals(404, gone.statusCode());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("DELETE /users/{name} removes the user")
    void deleteOnUsersPath(VertxTestContext ctx) {
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(newUser("dave"))
                .compose(r -> server.client.delete("/users/dave").bearerTokenAuthentication(admin).send())
                .compose(deleted -> {
                    ctx.verify(() -> {
                        assertEquals(200, deleted.statusCode());
                        assertEquals("dave", deleted.bodyAsJsonObject().getString("user_name"));
                    });
                    return server.client.delete("/users/dave").bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(again -> ctx.verify(() -> {
                    assertEquals(404, again.statusCode());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("If-Match is optional on a user: GET and PATCH send an ETag; a stale tag answers 412 and changes nothing")
    void optionalIfMatch(VertxTestContext ctx) {
        String[] tag = new String[1];
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(newUser("ivy"))
                .compose(r -> server.client.get("/users/ivy").bearerTokenAuthentication(admin).send())
                .compose(read -> {
                    tag[0] = read.getHeader("ETag");
                    ctx.verify(() -> assertEquals("\"" + read.bodyAsJsonObject().getInteger("version") + "\"", tag[0]));
                    return server.client.patch("/users/ivy").bearerTokenAuthentication(admin).putHeader("If-Match", tag[0])
                            .sendJsonObject(new JsonObject().put("user_email", "ivy.new@example.org"));
                })
                .compose(changed -> {
                    ctx.verify(() -> {
                        assertEquals(200, changed.statusCode());
                        assertNotEquals(tag[0], changed.getHeader("ETag"), "a change moves the tag on");
                    });
                    // the tag read before that change is now stale, on PUT, PATCH and DELETE alike
                    return server.client.patch("/user/ivy").bearerTokenAuthentication(admin).putHeader("If-Match", tag[0])
                            .sendJsonObject(new JsonObject().put("user_email", "ivy.lost@example.org"));
                })
                .compose(stalePatch -> {
                    ctx.verify(() -> {
                        assertEquals(412, stalePatch.statusCode());
                        assertEquals("If-Match", stalePatch.bodyAsJsonObject().getJsonArray("errors")
                                .getJsonObject(0).getString("field"));
                    });
                    return server.client.delete("/users/ivy").bearerTokenAuthentication(admin).putHeader("If-Match", tag[0]).send();
                })
                .compose(staleDelete -> {
                    ctx.verify(() -> assertEquals(412, staleDelete.statusCode()));
                    return server.client.patch("/users/ivy").bearerTokenAuthentication(admin)
                            .sendJsonObject(new JsonObject().put("user_hospital", "H2"));
                })
                .onComplete(ctx.succeeding(untagged -> ctx.verify(() -> {
                    assertEquals(200, untagged.statusCode(), "without If-Match the change goes ahead, as in the original API");
                    String email = SharedPostgres.query(server.dbUri, c -> {
                        try (ResultSet rs = c.createStatement().executeQuery("SELECT email FROM users WHERE user_name = 'ivy'")) {
                            return rs.next() ? rs.getString(1) : null;
                        }
                    });
                    assertEquals("ivy.new@example.org", email, "the stale PATCH wrote nothing, the stale DELETE deleted nothing");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a duplicate user name, or an email differing only in case, answers 409 and writes nothing")
    void duplicatesConflict(VertxTestContext ctx) {
        JsonObject sameEmail = newUser("erin2").put("user_email", "ERIN@example.ORG");
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(newUser("erin"))
                .compose(r -> server.client.post("/users").bearerTokenAuthentication(admin)
                        .sendJsonObject(newUser("erin").put("user_email", "other@example.org")))
                .compose(dupName -> {
                    ctx.verify(() -> {
                        assertEquals(409, dupName.statusCode());
                        assertEquals("user_name", dupName.bodyAsJsonObject().getJsonArray("errors")
                                .getJsonObject(0).getString("field"));
                    });
                    return server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(sameEmail);
                })
                .onComplete(ctx.succeeding(dupEmail -> ctx.verify(() -> {
                    assertEquals(409, dupEmail.statusCode());
                    assertEquals("user_email", dupEmail.bodyAsJsonObject().getJsonArray("errors")
                            .getJsonObject(0).getString("field"));
                    long rows = SharedPostgres.query(server.dbUri, c -> {
                        try (ResultSet rs = c.createStatement().executeQuery(
                                "SELECT count(*) FROM users WHERE user_name LIKE 'erin%' OR email ILIKE 'other@%'")) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    });
                    assertEquals(1, rows);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("GET /users pages and filters, with the total across pages")
    void listPagesAndFilters(VertxTestContext ctx) {
        Future<?> created = Future.succeededFuture();
        for (String name : new String[] {"list-a", "list-b", "list-c"}) {
            created = created.compose(v -> server.createUser(admin, name, "List Hospital", "technician"));
        }
        created.compose(v -> server.client.get("/users?hospital=List%20Hospital&limit=2").bearerTokenAuthentication(admin).send())
                .compose(page1 -> {
                    ctx.verify(() -> {
                        assertEquals(200, page1.statusCode(), page1.bodyAsString());
                        JsonObject body = page1.bodyAsJsonObject();
                        assertEquals(3, body.getInteger("total"));
                        assertEquals(2, body.getJsonArray("items").size());
                        assertEquals("list-a", body.getJsonArray("items").getJsonObject(0).getString("user_name"));
                    });
                    return server.client.get("/users?hospital=List%20Hospital&limit=2&offset=2").bearerTokenAuthentication(admin).send();
                })
                .compose(page2 -> {
                    ctx.verify(() -> {
                        JsonArray items = page2.bodyAsJsonObject().getJsonArray("items");
                        assertEquals(1, items.size());
                        assertEquals("list-c", items.getJsonObject(0).getString("user_name"));
                    });
                    return server.client.get("/users?q=LIST-B&role=technician").bearerTokenAuthentication(admin).send();
                })
                .onComplete(ctx.succeeding(search -> ctx.verify(() -> {
                    JsonArray items = search.bodyAsJsonObject().getJsonArray("items");
                    assertEquals(1, items.size());
                    assertEquals("list-b", items.getJsonObject(0).getString("user_name"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("the last admin can be neither deleted nor demoted (409)")
    void lastAdminStays(VertxTestContext ctx) {
        server.client.delete("/users/admin").bearerTokenAuthentication(admin).send()
                .compose(del -> {
                    ctx.verify(() -> assertEquals(409, del.statusCode(), del.bodyAsString()));
                    return server.client.patch("/users/admin").bearerTokenAuthentication(admin)
                            .sendJsonObject(new JsonObject().put("user_role", "doctor"));
                })
                .onComplete(ctx.succeeding(demote -> ctx.verify(() -> {
                    assertEquals(409, demote.statusCode());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("two admins demoting each other at once: one wins, the other gets 409; an admin remains")
    void concurrentDemotions(VertxTestContext ctx) {
        // a server of its own (on a Vert.x of its own: servers on one event bus would answer for each other),
        // since this test leaves its admins changed
        Vertx vertx = Vertx.vertx();
        TestServer.start(vertx).compose(own -> own.adminToken().compose(first -> own.createUser(first, "second-admin",
                        TestServer.ADMIN_HOSPITAL, "admin")
                .compose(u -> own.tokenOf("second-admin"))
                .compose(second -> {
                    Future<HttpResponse<Buffer>> a = own.client.patch("/users/second-admin").bearerTokenAuthentication(first)
                            .sendJsonObject(new JsonObject().put("user_role", "doctor"));
                    Future<HttpResponse<Buffer>> b = own.client.patch("/users/admin").bearerTokenAuthentication(second)
                            .sendJsonObject(new JsonObject().put("user_role", "doctor"));
                    return Future.join(a, b).map(v -> Set.of(a.result().statusCode(), b.result().statusCode()));
                })
                .map(statuses -> {
                    ctx.verify(() -> {
                        // the loser's token may already be revoked (401) if the winner committed first
                        assertTrue(statuses.contains(200), statuses.toString());
                        assertTrue(statuses.contains(409) || statuses.contains(401), statuses.toString());
                        long admins = SharedPostgres.query(own.dbUri, c -> {
                            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM users WHERE role = 'admin'")) {
                                rs.next();
                                return rs.getLong(1);
                            }
                        });
                        assertEquals(1, admins);
                    });
                    return own;
                }))
                .compose(TestServer::stop))
                .onComplete(done -> {
                    vertx.close();
                    if (done.succeeded()) {
                        ctx.completeNow();
                    } else {
                        ctx.failNow(done.cause());
                    }
                });
    }

    @Test
    @DisplayName("a hospital name made of blanks is refused")
    void blankHospital(VertxTestContext ctx) {
        server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(newUser("blank-h").put("user_hospital", "   "))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(400, r.statusCode());
                    assertEquals("user_hospital", r.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
                    ctx.completeNow();
                })));
    }

    static void assertNoSecrets(HttpResponse<Buffer> response) {
        String text = response.bodyAsString();
        assertFalse(text.contains("password"), text);
        assertFalse(text.contains("hash"), text);
        assertFalse(text.contains("$2"), text);
        assertTrue(response.getHeader("Content-Type").startsWith("application/json"));
    }
}
