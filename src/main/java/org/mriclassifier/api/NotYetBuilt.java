package org.mriclassifier.api;

import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** Operations of the contract whose handlers are not built yet answer 501 with a problem body. */
final class NotYetBuilt {

    private NotYetBuilt() {
    }

    static void mount(RouterBuilder rb) {
        for (OpenAPIRoute route : rb.getRoutes()) {
            if (route.getHandlers().isEmpty()) {
                route.addHandler(ctx -> Problem.of(501, "not implemented yet").send(ctx));
            }
        }
    }
}
