package org.mriclassifier.testing;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One row of a table-driven API test: who asks, what, and the status the product must answer. Rows run in
 * order (later rows may depend on earlier changes); every mismatch is reported, not only the first.
 */
public record RequestCase(String who, HttpMethod method, String path, JsonObject body, int expected) {

    public static RequestCase of(String who, HttpMethod method, String path, int expected) {
        return new RequestCase(who, method, path, null, expected);
    }

    public static RequestCase of(String who, HttpMethod method, String path, JsonObject body, int expected) {
        return new RequestCase(who, method, path, body, expected);
    }

    /** Runs the rows one after another; the future holds one line per mismatch. */
    public static Future<List<String>> runAll(TestServer server, Map<String, String> tokens, List<RequestCase> cases,
                                              Function<HttpRequest<Buffer>, HttpRequest<Buffer>> extra) {
        List<String> mismatches = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (RequestCase c : cases) {
            chain = chain.compose(v -> {
                HttpRequest<Buffer> request = extra.apply(server.request(c.method(), c.path(), tokens.get(c.who())));
                Future<io.vertx.ext.web.client.HttpResponse<Buffer>> sent =
                        c.body() == null ? request.send() : request.sendJsonObject(c.body());
                return sent.map(response -> {
                    if (response.statusCode() != c.expected()) {
                        mismatches.add(c.who() + " " + c.method() + " " + c.path() + ": expected " + c.expected()
                                + ", got " + response.statusCode() + " " + response.bodyAsString());
                    }
                    return (Void) null;
                });
            });
        }
        return chain.map(v -> mismatches);
    }
}
