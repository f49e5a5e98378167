package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestServer;

/** Issue 12 items 10, 11 and 12: what a request's raw text can do to the answer and to the log. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
@DisplayName("Query strings, request ids and unreadable requests get exact, plain answers")
class RequestHygieneTest {

    static TestServer server;
    static String admin;
    static HttpClient raw;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            raw = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(s.port));
            return s.adminToken();
        }).onSuccess(t -> admin = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        raw.close();
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    record Answer(int status, String contentType, String body, Map<String, String> headers) {
    }

    /** The URI exactly as written, no client-side encoding or decoding. */
    static Future<Answer> send(HttpMethod method, String uri, Map<String, String> headers, Buffer body) {
        RequestOptions options = new RequestOptions().setMethod(method).setURI(uri);
        headers.forEach(options::putHeader);
        return raw.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(),
                        response.getHeader("Content-Type"), b.toString(),
                        Map.of("X-Request-Id", String.valueOf(response.getHeader("X-Request-Id"))))));
    }

    static Future<Answer> get(String uri) {
        return send(HttpMethod.GET, uri, Map.of("Authorization", "Bearer " + admin), null);
    }

    @Test
    @DisplayName("item 10: q=%2561dmin searches for \"%61dmin\", not \"admin\"; q=adm still finds admin; a+b and %2B mean what HTML forms mean")
    void queryValuesAreDecodedOnce(VertxTestContext ctx) {
        get("/users?q=%2561dmin").compose(twice -> {
            ctx.verify(() -> {
                assertEquals(200, twice.status(), twice.body());
                assertEquals(0, new JsonObject(twice.body()).getJsonArray("items").size(), twice.body());
            });
            return get("/users?q=adm");
        }).compose(once -> {
            ctx.verify(() -> assertTrue(names(once).contains("admin"), once.body()));
            // "ad+min" is "ad min" (no such user); "%61dmin" is "admin"
            return Future.all(get("/users?q=ad+min"), get("/users?q=%61dmin"));
        }).onComplete(ctx.succeeding(both -> ctx.verify(() -> {
            Answer plus = both.resultAt(0);
            Answer escaped = both.resultAt(1);
            assertEquals(200, plus.status(), plus.body());
            assertFalse(names(plus).contains("admin"), plus.body());
            assertTrue(names(escaped).contains("admin"), escaped.body());
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("item 10: a lone %, a bad escape or escapes that are not UTF-8 answer a 400 problem, never a 500")
    void malformedQueryIs400(VertxTestContext ctx) {
        List<String> uris = List.of("/users?q=%", "/users?q=50%", "/users?q=%zz", "/users?q=%C3%28", "/MRI?hospital=%",
                "/users?%=x", "/MRI?limit=%");
        List<Future<Answer>> answers = new ArrayList<>();
        for (String uri : uris) {
            answers.add(get(uri));
        }
        Future.all(answers).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            for (int i = 0; i < uris.size(); i++) {
                Answer a = answers.get(i).result();
                assertEquals(400, a.status(), uris.get(i) + ": " + a.body());
                assertEquals("application/problem+json", a.contentType(), uris.get(i));
                assertTrue(a.body().contains("query string is malformed"), uris.get(i) + ": " + a.body());
            }
            ctx.completeNow();
        })));
    }

    private static List<String> names(Answer answer) {
        JsonArray items = new JsonObject(answer.body()).getJsonArray("items");
        List<String> names = new ArrayList<>();
        items.forEach(item -> names.add(((JsonObject) item).getString("user_name")));
        return names;
    }
}
