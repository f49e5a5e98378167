package org.mriclassifier.clients;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Response;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * An HTTP proxy between a generated client and the real server that checks every response against openapi.yaml:
 * its status must be declared for the operation, its Content-Type must be one the contract lists for that status,
 * and a JSON body (problems included) and the declared headers must validate against the contract's schemas
 * (vertx-openapi's {@link ResponseValidator}). Request bytes pass through untouched (multipart uploads too).
 * Failures are recorded, not thrown, so that a test can list them all.
 */
final class ConformanceProxy {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade",
            "proxy-connection", "te", "trailer");

    private final HttpServer server;
    private final HttpClient upstream;
    private final JsonObject published;
    private final OpenAPIContract contract;
    private final ResponseValidator validator;
    private final int upstreamPort;
    final List<String> failures = new CopyOnWriteArrayList<>();
    /** operationId -> statuses seen. */
    final Map<String, Set<Integer>> seen = new ConcurrentHashMap<>();

    private ConformanceProxy(Vertx vertx, JsonObject published, OpenAPIContract contract, int upstreamPort) {
        this.published = published;
        this.contract = contract;
        this.validator = ResponseValidator.create(vertx, contract);
        this.upstreamPort = upstreamPort;
        this.upstream = vertx.createHttpClient();
        this.server = vertx.createHttpServer().requestHandler(this::forward);
    }

    /** Listens on a free port of 127.0.0.1 in front of the server at {@code upstreamPort}. */
    static Future<ConformanceProxy> start(Vertx vertx, Path openapiYaml, int upstreamPort) throws Exception {
        JsonObject published = parse(Files.readString(openapiYaml));
        return OpenAPIContract.from(vertx, validatorView(published))
                .compose(contract -> {
                    ConformanceProxy proxy = new ConformanceProxy(vertx, published, contract, upstreamPort);
                    return proxy.server.listen(0, "127.0.0.1").map(s -> proxy);
                });
    }

    /** Every operationId of the contract. */
    List<String> operationIds() {
        return contract.operations().stream().map(Operation::getOperationId).toList();
    }

    int port() {
        return server.actualPort();
    }

    Future<Void> close() {
        return server.close().compose(v -> upstream.close());
    }

    private void forward(HttpServerRequest request) {
        request.pause();
        String path = request.path();
        Operation operation = contract.findOperation(path, request.method());
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1")
                .setPort(upstreamPort).setURI(request.uri());
        request.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) {
                options.addHeader(h.getKey(), h.getValue());
            }
        });
        upstream.request(options)
                .compose(outgoing -> outgoing.send(request))
                .compose(response -> response.body().compose(body -> check(request, operation, response, body).map(v -> {
                    MultiMap headers = request.response().headers();
                    response.headers().forEach(h -> {
                        if (!HOP_BY_HOP.contains(h.getKey().toLowerCase()) && !h.getKey().equalsIgnoreCase("content-length")) {
                            headers.add(h.getKey(), h.getValue());
                        }
                    });
                    request.response().setStatusCode(response.statusCode()).setStatusMessage(response.statusMessage());
                    return body;
                })))
                .onSuccess(body -> request.response().end(body))
                .onFailure(error -> {
                    failures.add(request.method() + " " + path + ": the proxy could not reach the server: " + error);
                    request.response().setStatusCode(502).end();
                });
    }

    /** Records what is wrong with one response; completes (never fails) once it is checked. */
    private Future<Void> check(HttpServerRequest request, Operation operation, HttpClientResponse response, Buffer body) {
        String where = request.method() + " " + request.path();
        int status = response.statusCode();
        if (operation == null) {
            failures.add(where + ": no operation of the contract has this path and method");
            return Future.succeededFuture();
        }
        String operationId = operation.getOperationId();
        seen.computeIfAbsent(operationId, k -> ConcurrentHashMap.newKeySet()).add(status);
        where = operationId + " " + status;
        JsonObject declared = declaredResponse(operation, status);
        if (declared == null) {
            failures.add(where + ": the contract declares no such status for this operation");
            return Future.succeededFuture();
        }
        String contentType = response.getHeader("Content-Type");
        String mediaType = contentType == null ? null : contentType.split(";")[0].trim().toLowerCase();
        JsonObject content = declared.getJsonObject("content", new JsonObject());
        if (content.isEmpty()) {
            if (body.length() > 0) {
                failures.add(where + ": the contract declares no body, the server sent " + body.length() + " bytes");
            }
            return Future.succeededFuture();
        }
        if (mediaType == null || !content.containsKey(mediaType)) {
            failures.add(where + ": Content-Type " + contentType + " is not among " + content.fieldNames());
            return Future.succeededFuture();
        }
        Response response4Validator = operation.getResponse(status) != null ? operation.getResponse(status)
                : operation.getDefaultResponse();
        Map<String, String> headers = new HashMap<>();
        for (Parameter header : response4Validator.getHeaders()) {
            String value = response.getHeader(header.getName());
            if (value != null) {
                headers.put(header.getName(), value);
            }
        }
        boolean json = mediaType.equals("application/json") || mediaType.endsWith("+json");
        ValidatableResponse validatable = json
                ? ValidatableResponse.create(status, headers, body, MediaType.APPLICATION_JSON)
                : ValidatableResponse.create(status, headers);
        if (!json && body.length() == 0) {
            failures.add(where + ": an empty " + mediaType + " body");
        }
        String label = where;
        // a non-JSON body (image bytes) is checked by its media type above; its declared headers still validate
        return validator.validate(validatable, operationId)
                .<Void>mapEmpty()
                .recover(error -> {
                    if (json || !String.valueOf(error.getMessage()).contains("does not contain the required body")) {
                        failures.add(label + ": " + error.getMessage() + (json ? " in " + body : ""));
                    }
                    return Future.succeededFuture();
                });
    }

    private JsonObject declaredResponse(Operation operation, int status) {
        JsonObject responses = published.getJsonObject("paths").getJsonObject(operation.getOpenAPIPath())
                .getJsonObject(operation.getHttpMethod().name().toLowerCase()).getJsonObject("responses");
        Object declared = responses.getValue(Integer.toString(status), responses.getValue("default"));
        if (!(declared instanceof JsonObject response)) {
            return null;
        }
        String ref = response.getString("$ref");
        if (ref != null) {
            return published.getJsonObject("components").getJsonObject("responses")
                    .getJsonObject(ref.substring(ref.lastIndexOf('/') + 1));
        }
        return response;
    }

    @SuppressWarnings("unchecked")
    private static JsonObject parse(String yaml) {
        Map<String, Object> map = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        return new JsonObject(map);
    }

    /**
     * The contract as vertx-openapi 5.0.x can validate it: it reads no relative server URL, and of the media
     * types only JSON ones; a problem+json body is validated as the JSON it is, against the same schema. Other
     * media types (image bytes) stay listed under a name it accepts, so that their headers still validate.
     */
    private static JsonObject validatorView(JsonObject published) {
        JsonObject copy = published.copy();
        copy.remove("servers");
        copy.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(operation -> {
            if (operation.getValue() instanceof JsonObject op && op.containsKey("responses")) {
                op.getJsonObject("responses").forEach(r -> rewriteContent((JsonObject) r.getValue()));
            }
        }));
        copy.getJsonObject("components").getJsonObject("responses", new JsonObject())
                .forEach(r -> rewriteContent((JsonObject) r.getValue()));
        return copy;
    }

    private static void rewriteContent(JsonObject response) {
        JsonObject content = response.getJsonObject("content");
        if (content == null) {
            return;
        }
        JsonObject supported = new JsonObject();
        content.forEach(media -> {
            String type = media.getKey();
            if (type.equals("application/json") || type.endsWith("+json")) {
                supported.put(MediaType.APPLICATION_JSON, media.getValue());
            } else {
                supported.put(MediaType.APPLICATION_OCTET_STREAM, media.getValue());
            }
        });
        response.put("content", supported);
    }
}
