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
    /** One connection per request, for the test that sends many in a row and checks only their answers' ids. */
    static HttpClient unpooled;

    @BeforeAll
    static void start(Vertx vertx, VertxTestContext ctx) {
        TestServer.start(vertx).compose(s -> {
            server = s;
            raw = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(s.port));
            unpooled = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(s.port)
                    .setKeepAlive(false));
            return s.adminToken();
        }).onSuccess(t -> admin = t).onComplete(ctx.succeedingThenComplete());
    }

    @AfterAll
    static void stop(VertxTestContext ctx) {
        raw.close();
        unpooled.close();
        server.stop().onComplete(ctx.succeedingThenComplete());
    }

    record Answer(int status, String contentType, String body, Map<String, String> headers) {
    }

    /** The URI exactly as written, no client-side encoding or decoding. */
    static Future<Answer> send(HttpMethod method, String uri, Map<String, String> headers, Buffer body) {
        return send(raw, method, uri, headers, body);
    }

    /**
     * Sends once; an answer that has not arrived after 20 s is asked for once more, on a connection of its own. In CI
     * an answer the server had logged as sent (an early 400 to a multipart upload, on a connection the server then
     * closes) twice never reached this client, and the test hung: the retry keeps the test about what the answers
     * say. The lost answer itself is listed in the issue notes as an open transport question.
     */
    static Future<Answer> send(HttpClient client, HttpMethod method, String uri, Map<String, String> headers, Buffer body) {
        return sendOnce(client, method, uri, headers, body).timeout(20, java.util.concurrent.TimeUnit.SECONDS)
                .recover(e -> e instanceof java.util.concurrent.TimeoutException
                        ? sendOnce(unpooled, method, uri, headers, body) : Future.failedFuture(e));
    }

    private static Future<Answer> sendOnce(HttpClient client, HttpMethod method, String uri, Map<String, String> headers,
                                           Buffer body) {
        RequestOptions options = new RequestOptions().setMethod(method).setURI(uri).setIdleTimeout(20_000);
        headers.forEach(options::putHeader);
        return client.request(options)
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
            // "ad+min" is "ad min" (no such user); "%61dmin" is "admin"; path parameters too are decoded once
            return Future.all(List.of(get("/users?q=ad+min"), get("/users?q=%61dmin"),
                    get("/users/%2561dmin"), get("/users/%61dmin")));
        }).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            Answer plus = all.resultAt(0);
            Answer escaped = all.resultAt(1);
            Answer pathTwice = all.resultAt(2);
            Answer pathOnce = all.resultAt(3);
            assertEquals(200, plus.status(), plus.body());
            assertFalse(names(plus).contains("admin"), plus.body());
            assertTrue(names(escaped).contains("admin"), escaped.body());
            // "%61dmin" is no user name the contract allows (400), and certainly not admin
            assertTrue(pathTwice.status() == 400 || pathTwice.status() == 404, pathTwice.body());
            assertEquals(200, pathOnce.status(), pathOnce.body());
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

    static Buffer multipart(String boundary, String... fields) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(fields[i])
                    .append("\"\r\n\r\n").append(fields[i + 1]).append("\r\n");
        }
        return Buffer.buffer(body.append("--").append(boundary).append("--\r\n").toString());
    }

    static Future<Answer> postMultipart(Buffer body) {
        return send(HttpMethod.POST, "/MRI", Map.of("Authorization", "Bearer " + admin,
                "Content-Type", "multipart/form-data; boundary=b0undary"), body);
    }

    @Test
    @DisplayName("item 11: an overlong form field, too many fields, a malformed part: 400 problems in words, no Java class names")
    void multipartErrorsNameNoClass(VertxTestContext ctx) {
        String[] many = new String[2 * 300];
        for (int i = 0; i < 300; i++) {
            many[2 * i] = "f" + i;
            many[2 * i + 1] = "v";
        }
        List<Future<Answer>> answers = List.of(
                postMultipart(multipart("b0undary", "gender", "x".repeat(10_000))),
                postMultipart(multipart("b0undary", many)),
                postMultipart(Buffer.buffer("--b0undary\r\nContent-Disposition: form-data; name=\"gender\"; "
                        + "filename*=bogus''%zz\r\nContent-Type: \r\n\r\nmale\r\n--b0undary--\r\n")));
        List<String> says = List.of("longer than", "more than", "");
        Future.join(answers).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            for (int i = 0; i < answers.size(); i++) {
                Answer a = answers.get(i).result();
                assertTrue(a.status() >= 400 && a.status() < 500, i + ": " + a.status() + " " + a.body());
                assertEquals("application/problem+json", a.contentType(), i + ": " + a.body());
                assertFalse(a.body().contains("Exception"), i + ": " + a.body());
                assertFalse(a.body().matches("(?s).*\\b(io|org|java)\\.[a-z]+\\..*"), i + ": " + a.body());
                assertTrue(a.body().contains(says.get(i)), i + ": " + a.body());
            }
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("item 11: a request line over 4 KiB (414) and headers over 8 KiB (431) get a problem body with a request id, not an empty one")
    void oversizedRequestLineAndHeaders(VertxTestContext ctx) {
        Future<Answer> longUri = send(HttpMethod.GET, "/users?q=" + "a".repeat(6_000), Map.of(), null);
        Future<Answer> bigHeader = send(HttpMethod.GET, "/health/live", Map.of("X-Padding", "b".repeat(10_000)), null);
        Future.join(longUri, bigHeader).onComplete(ctx.succeeding(both -> ctx.verify(() -> {
            for (Answer a : List.of(longUri.result(), bigHeader.result())) {
                assertEquals("application/problem+json", a.contentType(), a.status() + " " + a.body());
                JsonObject problem = new JsonObject(a.body());
                assertEquals(a.status(), problem.getInteger("status"));
                assertTrue(problem.getString("detail").contains("too"), a.body());
                assertEquals(a.headers().get("X-Request-Id"), problem.getString("request_id"));
            }
            assertEquals(414, longUri.result().status());
            assertEquals(431, bigHeader.result().status());
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("item 12: X-Request-Id is kept only as 8 to 64 letters, digits, dot, dash or underscore; anything else is replaced by a UUID")
    void requestIdFormat(VertxTestContext ctx) {
        List<String> kept = List.of("abcdefgh", "trace-0123456789.ABC_def", "x".repeat(64));
        List<String> replaced = List.of("short12", "x".repeat(65), "has space 123", "quote\"12345678", "percent%0A123",
                "caf\u00e9-123456", "semi;colon;123", "<script>alert(1)</script>", "../../../etc/passwd");
        List<Future<Answer>> keptAnswers = new ArrayList<>();
        List<Future<Answer>> replacedAnswers = new ArrayList<>();
        // one after another, each on a connection of its own: what is checked is each answer's id, not connection
        // reuse (in CI a request on a pooled connection, after the one before it was answered, once never reached the
        // server, and the test waited for ever)
        Future<Answer> chain = Future.succeededFuture();
        for (String id : kept) {
            chain = chain.compose(previous -> send(unpooled, HttpMethod.GET, "/users/nobody", Map.of("X-Request-Id", id), null));
            keptAnswers.add(chain);
        }
        for (String id : replaced) {
            chain = chain.compose(previous -> send(unpooled, HttpMethod.GET, "/users/nobody", Map.of("X-Request-Id", id), null));
            replacedAnswers.add(chain);
        }
        chain.onComplete(ctx.succeeding(done -> ctx.verify(() -> {
            for (int i = 0; i < kept.size(); i++) {
                Answer a = keptAnswers.get(i).result();
                assertEquals(kept.get(i), a.headers().get("X-Request-Id"));
                assertEquals(kept.get(i), new JsonObject(a.body()).getString("request_id"));
            }
            for (int i = 0; i < replaced.size(); i++) {
                Answer a = replacedAnswers.get(i).result();
                String id = a.headers().get("X-Request-Id");
                assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), replaced.get(i) + " -> " + id);
                assertEquals(id, new JsonObject(a.body()).getString("request_id"));
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
