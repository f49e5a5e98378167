package org.mriclassifier.api;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.auth.Role;
import org.mriclassifier.auth.TokenAuth;
import org.mriclassifier.bus.ServiceException;
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

    /** A path parameter as the router decoded it, once (the contract's validator decodes it a second time). */
    static String path(RoutingContext ctx, String name) {
        return ctx.pathParam(name);
    }

    /** A query value decoded once ({@link QueryString}); null when absent. */
    static String query(RoutingContext ctx, String name) {
        MultiMap decoded = ctx.get(QueryString.DECODED);
        return decoded == null ? null : decoded.get(name);
    }

    /** An integer query value (its type and bounds checked by the contract), or the default when absent. */
    static Integer queryInt(RoutingContext ctx, String name, int defaultValue) {
        String value = query(ctx, name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw ServiceException.badRequest(name, "must be an integer");
        }
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
