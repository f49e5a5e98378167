package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestServer;

/** Bad input gets a 4xx problem that names what was wrong, and nothing about the server's insides. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
@DisplayName("Malformed requests answer 400 (or 413/415) with the field at fault named")
class ValidationTest {

    static TestServer server;
    static String admin;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.startWith(vertx, new JsonObject().put("http", new JsonObject().put("body_limit_bytes", 100_000)))
                .compose(s -> {
                    server = s;
                    return s.adminToken();
                }).onSuccess(t -> admin = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    record Bad(String what, Supplier<Future<HttpResponse<Buffer>>> request, int status, String field) {
    }

    static JsonObject validUser() {
        return new JsonObject().put("user_name", "valid-name").put("user_email", "valid@v.example")
                .put("user_password", "long-enough").put("user_hospital", "V").put("user_role", "doctor");
    }

    static Future<HttpResponse<Buffer>> postUser(JsonObject body) {
        return server.client.post("/users").bearerTokenAuthentication(admin).sendJsonObject(body);
    }

    static Future<HttpResponse<Buffer>> postUserRaw(String body, String contentType) {
        return server.client.post("/users").bearerTokenAuthentication(admin).putHeader("Content-Type", contentType)
                .sendBuffer(Buffer.buffer(body));
    }

    @Test
    @DisplayName("malformed JSON, wrong types, missing, unknown and invalid fields, bad parameters")
    void badInputs(VertxTestContext ctx) {
        JsonObject missing = validUser();
        missing.remove("user_email");
        List<Bad> cases = List.of(
                new Bad("malformed JSON", () -> postUserRaw("{\"user_name\": ", "application/json"), 400, null),
                new Bad("not an object", () -> postUserRaw("[1,2]", "application/json"), 400, null),
                new Bad("wrong type", () -> postUser(validUser().put("user_name", 42)), 400, "user_name"),
                new Bad("missing field", () -> postUser(missing), 400, "user_email"),
                new Bad("unknown field", () -> postUser(validUser().put("is_admin", true)), 400, "is_admin"),
                new Bad("unknown role", () -> postUser(validUser().put("user_role", "superuser")), 400, "user_role"),
                new Bad("bad email", () -> postUser(validUser().put("user_email", "not-an-email")), 400, "user_email"),
                new Bad("short password", () -> postUser(validUser().put("user_password", "short")), 400, "user_password"),
                new Bad("bad name", () -> postUser(validUser().put("user_name", "a b/../c")), 400, "user_name"),
                new Bad("empty PATCH", () -> server.client.patch("/users/admin").bearerTokenAuthentication(admin)
                        .sendJsonObject(new JsonObject()), 400, null),
                new Bad("bad path parameter", () -> server.client.get("/users/x%20y").bearerTokenAuthentication(admin).send(),
                        400, "user_name"),
                new Bad("limit over the cap", () -> server.client.get("/users?limit=100000").bearerTokenAuthentication(admin)
                        .send(), 400, "limit"),
                new Bad("limit not a number", () -> server.client.get("/users?limit=ten").bearerTokenAuthentication(admin)
                        .send(), 400, "limit"),
                new Bad("not JSON at all", () -> postUserRaw("user_name=x", "application/x-www-form-urlencoded"), 415, null),
                new Bad("no body", () -> server.client.post("/users").bearerTokenAuthentication(admin).send(), 400, null),
                new Bad("too large", () -> postUserRaw("{\"user_name\":\"" + "x".repeat(200_000) + "\"}",
                        "application/json"), 413, null));
        List<String> wrong = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (Bad bad : cases) {
            chain = chain.compose(v -> bad.request().get().map(r -> {
                String problem = checkProblem(bad, r);
                if (problem != null) {
                    wrong.add(bad.what() + ": " + problem);
                }
                return null;
            }));
        }
        chain.onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            assertTrue(wrong.isEmpty(), String.join("\n", wrong));
            ctx.completeNow();
        })));
    }

    static String checkProblem(Bad bad, HttpResponse<Buffer> r) {
        if (r.statusCode() != bad.status()) {
            return "status " + r.statusCode() + " " + r.bodyAsString();
        }
        if (!"application/problem+json".equals(r.getHeader("Content-Type"))) {
            return "content type " + r.getHeader("Content-Type");
        }
        JsonObject body = r.bodyAsJsonObject();
        if (body.getInteger("status") != bad.status() || body.getString("detail") == null) {
            return "body " + body;
        }
        String text = body.encode();
        for (String leak : List.of("io.vertx", "Exception", "org.postgresql", "SELECT", "at org.")) {
            if (text.contains(leak)) {
                return "leaks " + leak + ": " + text;
            }
        }
        if (bad.field() != null) {
            JsonArray errors = body.getJsonArray("errors");
            if (errors == null || errors.stream().noneMatch(e -> bad.field().equals(((JsonObject) e).getString("field")))) {
                return "does not name " + bad.field() + ": " + text;
            }
        }
        return null;
    }

    @Test
    @DisplayName("nothing is written when a request is refused")
    void refusedWritesNothing(VertxTestContext ctx) {
        postUser(validUser().put("user_name", "never-written").put("extra", 1))
                .compose(r -> server.client.get("/users/never-written").bearerTokenAuthentication(admin).send())
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertEquals(404, r.statusCode());
                    assertFalse(r.bodyAsString().contains("Exception"));
                    ctx.completeNow();
                })));
    }
}
