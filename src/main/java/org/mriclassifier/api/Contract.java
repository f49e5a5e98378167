package org.mriclassifier.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * openapi.yaml, loaded from the classpath (so it works inside the fat jar): its text, served as is, and the
 * contract the router is built from.
 *
 * <p>vertx-openapi 5.0.x refuses relative server URLs, legal If-Match values, and responses with media types it cannot validate
 * (application/problem+json, image/*, text/html, application/yaml). The router never validates responses,
 * so its copy of the contract lists those responses as application/octet-stream; the published contract
 * keeps the true media types.
 */
public record Contract(Buffer text, OpenAPIContract forRouter) {

    public static final String RESOURCE = "openapi.yaml";

    public static Future<Contract> load(Vertx vertx) {
        return vertx.fileSystem().readFile(RESOURCE).compose(text -> {
            JsonObject raw = parse(text.toString());
            return OpenAPIContract.from(vertx, routerView(raw)).map(contract -> new Contract(text, contract));
        });
    }

    @SuppressWarnings("unchecked")
    static JsonObject parse(String yaml) {
        Map<String, Object> map = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        return new JsonObject(map);
    }

    static JsonObject routerView(JsonObject contract) {
        JsonObject copy = contract.copy();
        // the published server URL is relative ("/": wherever the document was fetched from), which
        // vertx-openapi cannot parse; the router does not use it
        copy.remove("servers");
        copy.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(operation -> {
            if (operation.getValue() instanceof JsonObject op && op.containsKey("responses")) {
                op.getJsonObject("responses").forEach(response -> rewriteContent((JsonObject) response.getValue()));
                dropIfMatch(op);
            }
        }));
        copy.getJsonObject("components").getJsonObject("responses", new JsonObject())
                .forEach(response -> rewriteContent((JsonObject) response.getValue()));
        return copy;
    }

    /**
     * The validator rejects legal entity tags such as {@code W/"2"} in a header parameter; the handlers read
     * If-Match themselves (and answer 428 or 412), so the router's copy does not declare it.
     */
    private static void dropIfMatch(JsonObject operation) {
        JsonArray parameters = operation.getJsonArray("parameters");
        if (parameters != null) {
            operation.put("parameters", new JsonArray(parameters.stream()
                    .filter(p -> !(p instanceof JsonObject param && String.valueOf(param.getValue("$ref")).matches(".*/\\w*IfMatch")))
                    .toList()));
        }
    }

    private static void rewriteContent(JsonObject response) {
        JsonObject content = response.getJsonObject("content");
        if (content == null) {
            return;
        }
        JsonObject supported = new JsonObject();
        content.forEach(media -> supported.put(MediaType.isMediaTypeSupported(media.getKey())
                ? media.getKey() : MediaType.APPLICATION_OCTET_STREAM, media.getValue()));
        response.put("content", supported);
    }
}
