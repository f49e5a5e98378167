package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shape of openapi.yaml that the common client generators read right (openapi-generator 7.x drops the path
 * parameter of an operation that has path-level parameters and its own), and that the router's copy still drops
 * every If-Match header parameter from. GeneratedClientsTest proves it end to end; this says what is wrong at once.
 */
@DisplayName("openapi.yaml: each operation declares all its parameters, and the router's copy reads If-Match itself")
class ContractShapeTest {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "patch", "delete", "head", "options", "trace");
    private static final Pattern TEMPLATE = Pattern.compile("\\{([^}]+)}");

    private static JsonObject contract() throws Exception {
        return Contract.parse(Files.readString(Path.of(Contract.RESOURCE)));
    }

    @Test
    @DisplayName("no path-level parameters, and every operation declares each parameter of its path template")
    void everyOperationDeclaresItsPathParameters() throws Exception {
        JsonObject contract = contract();
        JsonObject parameters = contract.getJsonObject("components").getJsonObject("parameters");
        List<String> wrong = new ArrayList<>();
        contract.getJsonObject("paths").forEach(path -> {
            JsonObject item = (JsonObject) path.getValue();
            if (item.containsKey("parameters")) {
                wrong.add(path.getKey() + ": path-level parameters");
            }
            Set<String> template = new TreeSet<>();
            Matcher m = TEMPLATE.matcher(path.getKey());
            while (m.find()) {
                template.add(m.group(1));
            }
            item.forEach(op -> {
                if (!METHODS.contains(op.getKey())) {
                    return;
                }
                Set<String> declared = new TreeSet<>();
                for (Object p : ((JsonObject) op.getValue()).getJsonArray("parameters", new JsonArray())) {
                    JsonObject param = (JsonObject) p;
                    String ref = param.getString("$ref");
                    if (ref != null) {
                        param = parameters.getJsonObject(ref.substring(ref.lastIndexOf('/') + 1));
                    }
                    if ("path".equals(param.getString("in"))) {
                        declared.add(param.getString("name"));
                    }
                }
                if (!declared.equals(template)) {
                    wrong.add(op.getKey() + " " + path.getKey() + " declares " + declared + ", its path has " + template);
                }
            });
        });
        assertEquals(List.of(), wrong);
    }

    @Test
    @DisplayName("the router's copy drops every If-Match header parameter (the handlers read it) and keeps the others")
    void routerViewDropsEveryIfMatch() throws Exception {
        JsonObject contract = contract();
        int ifMatchOperations = 0;
        JsonObject router = Contract.routerView(contract);
        for (String path : contract.getJsonObject("paths").fieldNames()) {
            for (String method : contract.getJsonObject("paths").getJsonObject(path).fieldNames()) {
                JsonArray published = contract.getJsonObject("paths").getJsonObject(path).getJsonObject(method)
                        .getJsonArray("parameters", new JsonArray());
                JsonArray routed = router.getJsonObject("paths").getJsonObject(path).getJsonObject(method)
                        .getJsonArray("parameters", new JsonArray());
                long ifMatch = published.stream().filter(p -> ((JsonObject) p).getString("$ref", "").endsWith("IfMatch")).count();
                ifMatchOperations += ifMatch > 0 ? 1 : 0;
                assertEquals(published.size() - ifMatch, routed.size(), method + " " + path);
                assertTrue(routed.stream().noneMatch(p -> ((JsonObject) p).getString("$ref", "").endsWith("IfMatch")),
                        method + " " + path);
            }
        }
        // PUT, PATCH and DELETE on /users/{user_name} and /user/{user_name}; PUT, PATCH and DELETE on /MRI/{id}
        assertEquals(9, ifMatchOperations);
    }
}
