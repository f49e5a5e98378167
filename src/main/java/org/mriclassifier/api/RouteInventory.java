package org.mriclassifier.api;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The router and the contract describe the same API: every operation of the contract has a handler, and
 * every path the router serves is in the contract (but the documentation page's static files). Checked at
 * start-up, so a route added beside the contract stops the server instead of shipping undocumented.
 */
final class RouteInventory {

    /** Files of the Swagger UI page, served under the contract's /docs. */
    private static final String DOCS_ASSETS = "/docs/";
    /** Files of the web page ({@link WebPage}), served beside its documented "/". */
    private static final String PAGE_ASSETS = WebPage.ASSETS;

    private RouteInventory() {
    }

    static void check(OpenAPIContract contract, RouterBuilder builder, Router router) {
        List<String> problems = new ArrayList<>();
        for (OpenAPIRoute route : builder.getRoutes()) {
            if (route.getHandlers().isEmpty()) {
                problems.add("operation " + route.getOperation().getOperationId() + " has no handler");
            }
        }
        Set<String> documented = contract.getPaths().stream().map(Path::getName)
                .map(p -> p.replaceAll("\\{([^}]+)}", ":$1")).collect(Collectors.toSet());
        for (Route route : router.getRoutes()) {
            String path = route.getPath();
            if (path != null && !documented.contains(path) && !path.startsWith(DOCS_ASSETS) && !path.startsWith(PAGE_ASSETS)) {
                problems.add("route " + path + " is not in the contract");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("router and openapi.yaml disagree: " + String.join("; ", problems));
        }
    }
}
