package org.mriclassifier.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conformance check of {@link GeneratedClientsTest} must notice a server that breaks the contract, or its
 * empty list of failures would prove nothing. An upstream that answers as the contract forbids stands in for a
 * broken server here; the proxy must name each breach and still pass every answer on unchanged.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
@DisplayName("The response conformance check names each way a response can break openapi.yaml")
class ConformanceProxyTest {

    private static final JsonObject USER = new JsonObject().put("id", "0b6f3c52-8f0a-4a8e-9d7e-1c2f3a4b5c6d")
            .put("user_name", "jdoe").put("user_email", "jdoe@example.org").put("user_hospital", "St. Mary")
            .put("user_role", "doctor").put("created_at", "2026-01-01T00:00:00Z")
            .put("updated_at", "2026-01-01T00:00:00Z").put("version", 1);

    @Test
    @DisplayName("a conformant answer passes; a missing field, a wrong enum, an undeclared status, a wrong media type and a non-problem error are each recorded")
    void breaches(Vertx vertx, VertxTestContext ctx) throws Exception {
        HttpServer upstream = vertx.createHttpServer().requestHandler(request -> {
            var response = request.response();
            switch (request.path()) {
                case "/users/good" -> response.putHeader("Content-Type", "application/json")
                        .putHeader("ETag", "\"1\"").end(USER.encode());
                case "/users/missing-field" -> response.putHeader("Content-Type", "application/json")
                        .end(without(USER, "version").encode());
                case "/users/wrong-role" -> response.putHeader("Content-Type", "application/json")
                        .end(USER.copy().put("user_role", "janitor").encode());
                case "/users/teapot" -> response.setStatusCode(418).putHeader("Content-Type", "application/json").end("{}");
                case "/users/html" -> response.putHeader("Content-Type", "text/html").end("<p>hi</p>");
                default -> response.setStatusCode(404).putHeader("Content-Type", "application/problem+json")
                        .end(new JsonObject().put("message", "not a problem").encode());
            }
        });
        upstream.listen(0, "127.0.0.1")
                .compose(s -> Future.fromCompletionStage(startProxy(vertx, s.actualPort())))
                .compose(proxy -> {
                    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
                            .setDefaultPort(proxy.port()));
                    return Future.all(List.of("good", "missing-field", "wrong-role", "teapot", "html", "not-a-problem")
                                    .stream().map(name -> client.get("/users/" + name).send()).toList())
                            .map(all -> {
                                ctx.verify(() -> {
                                    assertEquals(418, all.<HttpResponse<Buffer>>resultAt(3).statusCode(),
                                            "answers pass on unchanged");
                                    assertEquals(USER, all.<HttpResponse<Buffer>>resultAt(0)
                                            .bodyAsJsonObject());
                                    List<String> failures = List.copyOf(proxy.failures);
                                    assertEquals(5, failures.size(), "one failure per breach: " + failures);
                                    for (String expected : List.of("getUser 200", "getUser 418", "getUser 404")) {
                                        assertTrue(failures.stream().anyMatch(f -> f.startsWith(expected)), expected + " in " + failures);
                                    }
                                    assertTrue(failures.stream().anyMatch(f -> f.contains("text/html")), "the media type in " + failures);
                                });
                                return proxy;
                            })
                            .compose(ConformanceProxy::close);
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    private static JsonObject without(JsonObject object, String field) {
        JsonObject copy = object.copy();
        copy.remove(field);
        return copy;
    }

    private static CompletionStage<ConformanceProxy> startProxy(Vertx vertx, int port) {
        try {
            return ConformanceProxy.start(vertx, Path.of("openapi.yaml"), port).toCompletionStage();
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
