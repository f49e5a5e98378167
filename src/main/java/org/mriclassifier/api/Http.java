package org.mriclassifier.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.auth.Role;
import org.mriclassifier.auth.TokenAuth;
import org.mriclassifier.bus.Services;

/** Small helpers that keep the route handlers around ten lines. */
final class Http {

    static final long SERVICE_TIMEOUT_MS = 10_000;

    private Http() {
    }

    static ValidatedRequest validated(RoutingContext ctx) {
        return ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    }

    static JsonObject body(RoutingContext ctx) {
        return validated(ctx).getBody().getJsonObject();
    }

    static String path(RoutingContext ctx, String name) {
        return validated(ctx).getPathParameters().get(name).getString();
    }

    static String query(RoutingContext ctx, String name) {
        RequestParameter p = validated(ctx).getQuery().get(name);
        return p == null || p.isNull() ? null : p.getString();
    }

    /** A boolean query parameter as the contract validated it, null when absent. */
    static Boolean queryBoolean(RoutingContext ctx, String name) {
        RequestParameter p = validated(ctx).getQuery().get(name);
        return p == null || p.isNull() ? null : p.getBoolean();
    }

    static Integer queryInt(RoutingContext ctx, String name, int defaultValue) {
        RequestParameter p = validated(ctx).getQuery().get(name);
        return p == null || p.isNull() ? defaultValue : p.getInteger();
    }

    static String clientAddress(RoutingContext ctx) {
        return ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
    }

    /** The authenticated user as the database knows them now (set by {@link TokenAuth}). */
    static Actor actor(RoutingContext ctx) {
        JsonObject current = ctx.user().attributes().getJsonObject(TokenAuth.ACTOR);
        return new Actor(current.getString("id"), current.getString("user_name"),
                Role.fromWire(current.getString("role")).orElseThrow(), current.getString("hospital"),
                clientAddress(ctx), RequestLog.requestId(ctx));
    }

    /** Sends a command, on behalf of the request's user, to a service on the event bus. */
    static Future<JsonObject> call(RoutingContext ctx, String address, JsonObject command) {
        return call(ctx, address, command, SERVICE_TIMEOUT_MS);
    }

    static Future<JsonObject> call(RoutingContext ctx, String address, JsonObject command, long timeoutMs) {
        return Services.call(ctx.vertx().eventBus(), address, command.put("actor", actor(ctx).toJson()), timeoutMs);
    }

    static void sendJson(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    static void sendCreated(RoutingContext ctx, String location, JsonObject body) {
        ctx.response().putHeader("Location", location);
        sendJson(ctx, 201, body);
    }
}
