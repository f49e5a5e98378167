package org.mriclassifier.users;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mriclassifier.testing.RequestCase.of;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.RequestCase;
import org.mriclassifier.testing.TestServer;

/**
 * The roles table of the README, route by route, across two hospitals: what each role may do is allowed,
 * the rest is 403, and a user of another hospital answers exactly as one that does not exist (404).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("Roles and hospitals decide who may do what with users")
class RoleMatrixTest {

    static TestServer server;
    static final Map<String, String> tokens = new HashMap<>();

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(admin -> {
            tokens.put("admin", admin);
            Future<?> chain = Future.succeededFuture();
            String[][] users = {
                {"mod-a", "A", "moderator"}, {"doc-a", "A", "doctor"}, {"tech-a", "A", "technician"},
                {"admin-a", "A", "admin"}, {"target-a", "A", "doctor"}, {"victim-a", "A", "technician"},
                {"target-b", "B", "doctor"}, {"victim-b", "B", "doctor"}};
            for (String[] u : users) {
                chain = chain.compose(v -> server.createUser(admin, u[0], u[1], u[2]));
            }
            for (String who : List.of("mod-a", "doc-a", "tech-a")) {
                chain = chain.compose(v -> server.tokenOf(who).onSuccess(t -> tokens.put(who, t)));
            }
            return chain;
        }).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static JsonObject user(String name, String hospital, String role) {
        return new JsonObject().put("user_name", name).put("user_email", name + "@matrix.example")
                .put("user_password", name + "-password").put("user_hospital", hospital).put("user_role", role);
    }

    static JsonObject patch(String key, String value) {
        return new JsonObject().put(key, value);
    }

    @Test
    @DisplayName("every role x route x hospital combination answers as the roles table says")
    void matrix(VertxTestContext ctx) {
        JsonObject replaceInA = new JsonObject().put("user_email", "target-a@matrix.example")
                .put("user_hospital", "A").put("user_role", "doctor");
        List<RequestCase> cases = List.of(
                // read: admins any, moderators and doctors their hospital, technicians themselves
                of("admin", GET, "/users/target-a", 200),
                of("admin", GET, "/users/target-b", 200),
                of("mod-a", GET, "/users/target-a", 200),
                of("mod-a", GET, "/users/admin-a", 200),
                of("mod-a", GET, "/users/target-b", 404),
                of("mod-a", GET, "/users/no-such-user", 404),
                of("doc-a", GET, "/users/target-a", 200),
                of("doc-a", GET, "/users/target-b", 404),
                of("tech-a", GET, "/users/tech-a", 200),
                of("tech-a", GET, "/users/target-a", 403),
                of("tech-a", GET, "/users/target-b", 404),
                // create: admins anything, moderators their hospital but no admins, others nothing
                of("admin", POST, "/users", user("new-admin-b", "B", "admin"), 201),
                of("mod-a", POST, "/users", user("new-doc-a", "A", "doctor"), 201),
                of("mod-a", POST, "/users", user("new-mod-a", "A", "moderator"), 201),
                of("mod-a", POST, "/users", user("new-doc-b", "B", "doctor"), 403),
                of("mod-a", POST, "/users", user("new-admin-a", "A", "admin"), 403),
                of("doc-a", POST, "/users", user("new-doc-a2", "A", "doctor"), 403),
                of("tech-a", POST, "/users", user("new-tech-a", "A", "technician"), 403),
                // change
                of("mod-a", PATCH, "/users/target-a", patch("user_role", "technician"), 200),
                of("mod-a", PUT, "/user/target-a", replaceInA, 200),
                of("mod-a", PATCH, "/users/target-b", patch("user_role", "technician"), 404),
                of("mod-a", PATCH, "/users/admin-a", patch("user_role", "doctor"), 403),
                of("mod-a", PATCH, "/users/target-a", patch("user_role", "admin"), 403),
                of("mod-a", PATCH, "/users/target-a", patch("user_hospital", "B"), 403),
                of("doc-a", PATCH, "/users/target-a", patch("user_role", "technician"), 403),
                of("doc-a", PATCH, "/users/target-b", patch("user_role", "technician"), 404),
                of("tech-a", PATCH, "/users/tech-a", patch("user_role", "doctor"), 403),
                of("admin", PATCH, "/user/target-b", patch("user_hospital", "B2"), 200),
                // delete
                of("doc-a", DELETE, "/users/victim-a", 403),
                of("tech-a", DELETE, "/user/victim-a", 403),
                of("mod-a", DELETE, "/users/victim-b", 404),
                of("mod-a", DELETE, "/users/admin-a", 403),
                of("mod-a", DELETE, "/user/victim-a", 200),
                of("admin", DELETE, "/users/victim-b", 200));
        RequestCase.runAll(server, tokens, cases, Function.identity())
                .onComplete(ctx.succeeding(mismatches -> ctx.verify(() -> {
                    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a user of another hospital answers with exactly the body of a user that does not exist")
    void otherHospitalLooksMissing(VertxTestContext ctx) {
        server.client.get("/users/target-b").bearerTokenAuthentication(tokens.get("doc-a")).send()
                .compose(other -> server.client.get("/users/target-zzz").bearerTokenAuthentication(tokens.get("doc-a"))
                        .send().map(missing -> {
                            ctx.verify(() -> {
                                JsonObject a = other.bodyAsJsonObject().copy();
                                JsonObject b = missing.bodyAsJsonObject().copy();
                                assertEquals(404, other.statusCode());
                                for (JsonObject j : List.of(a, b)) {
                                    j.remove("request_id");
                                    j.remove("instance");
                                    j.put("detail", j.getString("detail").replace("target-b", "X").replace("target-zzz", "X"));
                                }
                                assertEquals(b, a);
                            });
                            return missing;
                        }))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("lists only show what the role may read: moderators their hospital, technicians themselves")
    void listsAreScoped(VertxTestContext ctx) {
        server.client.get("/users?limit=200").bearerTokenAuthentication(tokens.get("mod-a")).send()
                .compose(mod -> {
                    ctx.verify(() -> {
                        JsonArray items = mod.bodyAsJsonObject().getJsonArray("items");
                        assertTrue(items.size() >= 4);
                        items.forEach(i -> assertEquals("A", ((JsonObject) i).getString("user_hospital")));
                    });
                    return server.client.get("/users?hospital=B").bearerTokenAuthentication(tokens.get("mod-a")).send();
                })
                .compose(other -> {
                    ctx.verify(() -> assertEquals(0, other.bodyAsJsonObject().getJsonArray("items").size()));
                    return server.client.get("/users").bearerTokenAuthentication(tokens.get("tech-a")).send();
                })
                .onComplete(ctx.succeeding(tech -> ctx.verify(() -> {
                    JsonArray items = tech.bodyAsJsonObject().getJsonArray("items");
                    assertEquals(1, items.size());
                    assertEquals("tech-a", items.getJsonObject(0).getString("user_name"));
                    ctx.completeNow();
                })));
    }
}
