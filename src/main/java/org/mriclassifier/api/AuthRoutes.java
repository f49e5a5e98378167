package org.mriclassifier.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.Services;

/** {@code POST /login}. */
final class AuthRoutes {

    void mount(RouterBuilder rb) {
        rb.getRoute("login").addHandler(this::login);
    }

    private void login(RoutingContext ctx) {
        JsonObject body = Http.body(ctx);
        JsonObject command = new JsonObject()
                .put("email", body.getString("email"))
                .put("password", body.getString("password"))
                .put("address", Http.clientAddress(ctx))
                .put("request_id", RequestLog.requestId(ctx));
        Services.call(ctx.vertx().eventBus(), Addresses.AUTH_LOGIN, command, Http.SERVICE_TIMEOUT_MS)
                .onSuccess(token -> Http.sendJson(ctx, 200, token))
                .onFailure(ctx::fail);
    }
}
