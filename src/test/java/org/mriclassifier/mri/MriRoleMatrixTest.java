package org.mriclassifier.mri;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mriclassifier.testing.RequestCase.of;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.RequestCase;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/** The MRI half of the roles table, route by route, across two hospitals. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
@DisplayName("Roles and hospitals decide who may do what with MRI rows")
class MriRoleMatrixTest {

    static TestServer server;
    static final Map<String, String> tokens = new HashMap<>();
    static final Map<String, String> rows = new HashMap<>();

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            return s.adminToken();
        }).compose(admin -> {
            tokens.put("admin", admin);
            Future<?> chain = Future.succeededFuture();
            for (String[] u : new String[][] {{"m-mod-a", "moderator"}, {"m-doc-a", "doctor"}, {"m-tech-a", "technician"}}) {
                chain = chain.compose(v -> server.createUser(admin, u[0], "A", u[1]))
                        .compose(v -> server.tokenOf(u[0]).onSuccess(t -> tokens.put(u[0], t)));
            }
            // rows to read, change and delete, in each hospital
            int seed = 9000;
            for (String name : List.of("a1", "a2", "a3", "a4", "b1", "b2")) {
                int s = seed++;
                chain = chain.compose(v -> server.uploaded(admin, TestImages.png(s), name.startsWith("a") ? "A" : "B")
                        .onSuccess(row -> rows.put(name, "/MRI/" + row.getString("id"))));
            }
            return chain;
        }).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    static JsonObject label(String value) {
        return new JsonObject().put("class", value);
    }

    @Test
    @DisplayName("read, change, move, delete and classify: every role against its hospital and the other one")
    void matrix(VertxTestContext ctx) {
        List<RequestCase> cases = new ArrayList<>();
        for (String who : List.of("admin", "m-mod-a", "m-doc-a", "m-tech-a")) {
            cases.add(of(who, GET, rows.get("a1"), 200));
            cases.add(of(who, GET, rows.get("a1") + "/image", 200));
            cases.add(of(who, GET, rows.get("b1"), who.equals("admin") ? 200 : 404));
            cases.add(of(who, GET, rows.get("b1") + "/image", who.equals("admin") ? 200 : 404));
            cases.add(of(who, POST, rows.get("a1") + "/classify", 200));
            cases.add(of(who, POST, rows.get("b1") + "/classify", who.equals("admin") ? 200 : 404));
        }
        // change metadata: not technicians; other hospital invisible; moving hospitals: admins only
        cases.add(of("m-tech-a", PATCH, rows.get("a2"), label("tumor"), 403));
        cases.add(of("m-doc-a", PATCH, rows.get("b2"), label("tumor"), 404));
        cases.add(of("m-doc-a", PATCH, rows.get("a2"), label("tumor"), 200));
        cases.add(of("m-mod-a", PATCH, rows.get("a2"), label("healthy"), 200));
        cases.add(of("m-mod-a", PATCH, rows.get("a2"), new JsonObject().put("hospital", "B"), 403));
        cases.add(of("admin", PATCH, rows.get("a4"), new JsonObject().put("hospital", "B"), 200));
        cases.add(of("m-doc-a", GET, rows.get("a4"), 404));
        // delete: admins and moderators only
        cases.add(of("m-tech-a", DELETE, rows.get("a3"), 403));
        cases.add(of("m-doc-a", DELETE, rows.get("a3"), 403));
        cases.add(of("m-mod-a", DELETE, rows.get("b2"), 404));
        cases.add(of("m-mod-a", DELETE, rows.get("a3"), 204));
        cases.add(of("admin", DELETE, rows.get("b2"), 204));
        RequestCase.runAll(server, tokens, cases, request -> request.putHeader("If-Match", "*"))
                .onComplete(ctx.succeeding(mismatches -> ctx.verify(() -> {
                    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("everyone uploads into their own hospital; only admins into another; lists stay within the hospital")
    void uploadsAndLists(VertxTestContext ctx) {
        List<String> wrong = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        int seed = 9500;
        for (String who : List.of("admin", "m-mod-a", "m-doc-a", "m-tech-a")) {
            int own = seed++;
            int other = seed++;
            chain = chain.compose(v -> server.upload(tokens.get(who), TestImages.png(own), "image/png", "male", "A", null))
                    .compose(r -> {
                        check(wrong, who + " uploads to A", r.statusCode(), 201);
                        return server.upload(tokens.get(who), TestImages.png(other), "image/png", "male", "B", null);
                    })
                    .map(r -> {
                        check(wrong, who + " uploads to B", r.statusCode(), who.equals("admin") ? 201 : 403);
                        return null;
                    });
        }
        chain.compose(v -> server.client.get("/MRI?limit=100").bearerTokenAuthentication(tokens.get("m-tech-a")).send())
                .compose(list -> {
                    list.bodyAsJsonObject().getJsonArray("items").forEach(i ->
                            check(wrong, "technician's list", ((JsonObject) i).getString("hospital").equals("A") ? 1 : 0, 1));
                    return server.client.get("/MRI?hospital=B").bearerTokenAuthentication(tokens.get("m-doc-a")).send();
                })
                .onComplete(ctx.succeeding(other -> ctx.verify(() -> {
                    assertEquals(0, other.bodyAsJsonObject().getJsonArray("items").size());
                    assertEquals(0, other.bodyAsJsonObject().getJsonObject("summary").getInteger("total"));
                    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("technicians may not set the ground-truth class at upload (403, nothing stored); the other roles may")
    void technicianUploadsWithoutClass(VertxTestContext ctx) {
        List<String> wrong = new ArrayList<>();
        byte[] image = TestImages.png(9700);
        server.upload(tokens.get("m-tech-a"), image, "image/png", "male", "A", "tumor")
                .compose(r -> {
                    check(wrong, "technician uploads with class", r.statusCode(), 403);
                    ctx.verify(() -> assertEquals("class", r.bodyAsJsonObject().getJsonArray("errors")
                            .getJsonObject(0).getString("field"), r.bodyAsString()));
                    // nothing was stored: the same bytes without a class are new
                    return server.upload(tokens.get("m-tech-a"), image, "image/png", "male", "A", null);
                })
                .compose(r -> {
                    check(wrong, "technician uploads without class", r.statusCode(), 201);
                    ctx.verify(() -> assertEquals(null, r.bodyAsJsonObject().getValue("class"), r.bodyAsString()));
                    return server.upload(tokens.get("m-doc-a"), TestImages.png(9701), "image/png", "male", "A", "tumor");
                })
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    check(wrong, "doctor uploads with class", r.statusCode(), 201);
                    assertEquals("tumor", r.bodyAsJsonObject().getString("class"), r.bodyAsString());
                    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
                    ctx.completeNow();
                })));
    }

    static void check(List<String> wrong, String what, int actual, int expected) {
        if (actual != expected) {
            wrong.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
