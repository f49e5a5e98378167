package org.mriclassifier.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import org.mriclassifier.auth.PrincipalCache;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.EntityTags;

/**
 * The users routes: {@code /users}, {@code /users/{user_name}} and the original API's {@code /user/{user_name}}.
 * Each translates the validated request into a command for the users service and its reply into a response.
 * A change or deletion drops the user from the token check's cache before it is answered, so a token it
 * revoked fails on the very next request, whichever event loop serves it.
 */
final class UserRoutes {

    private final PrincipalCache principals;

    /** @param principals the token check's cache, told of a change before the change is answered */
    UserRoutes(PrincipalCache principals) {
        this.principals = principals;
    }

    void mount(RouterBuilder rb) {
        rb.getRoute("createUser").addHandler(this::createUser);
        rb.getRoute("listUsers").addHandler(this::listUsers);
        rb.getRoute("getUser").addHandler(this::getUser);
        rb.getRoute("replaceUser").addHandler(this::changeUser);
        rb.getRoute("updateUser").addHandler(this::changeUser);
        rb.getRoute("deleteUser").addHandler(this::deleteUser);
        rb.getRoute("replaceUserLegacy").addHandler(this::changeUser);
        rb.getRoute("updateUserLegacy").addHandler(this::changeUser);
        rb.getRoute("deleteUserLegacy").addHandler(this::deleteUser);
    }

    private void createUser(RoutingContext ctx) {
        Http.call(ctx, Addresses.USERS_CREATE, new JsonObject().put("user", Http.body(ctx)))
                .onSuccess(user -> Http.sendCreated(ctx, "/users/" + user.getString("user_name"), user))
                .onFailure(ctx::fail);
    }

    private void listUsers(RoutingContext ctx) {
        JsonObject command = new JsonObject()
                .put("hospital", Http.query(ctx, "hospital"))
                .put("role", Http.query(ctx, "role"))
                .put("q", Http.query(ctx, "q"))
                .put("limit", Http.queryInt(ctx, "limit", 50))
                .put("offset", Http.queryInt(ctx, "offset", 0));
        Http.call(ctx, Addresses.USERS_LIST, command)
                .onSuccess(page -> Http.sendJson(ctx, 200, page))
                .onFailure(ctx::fail);
    }

    private void getUser(RoutingContext ctx) {
        Http.call(ctx, Addresses.USERS_GET, new JsonObject().put("user_name", Http.path(ctx, "user_name")))
                .onSuccess(user -> {
                    tagged(ctx, user);
                    Http.sendJson(ctx, 200, user);
                })
                .onFailure(ctx::fail);
    }

    /**
     * PUT and PATCH differ only in their contract: PUT must carry every column but the password and the
     * name (so it replaces them), PATCH any of them. Both change exactly the columns given, and only if the
     * user is still at the version an If-Match header names (when one is sent).
     */
    private void changeUser(RoutingContext ctx) {
        JsonObject command = new JsonObject().put("user_name", Http.path(ctx, "user_name"))
                .put("changes", Http.body(ctx))
                .put("if_match", ctx.request().getHeader("If-Match"));
        Http.call(ctx, Addresses.USERS_UPDATE, command)
                .onSuccess(user -> {
                    principals.invalidate(user.getString("id"));
                    tagged(ctx, user);
                    ctx.response().putHeader("Content-Location", "/users/" + user.getString("user_name"));
                    Http.sendJson(ctx, 200, user);
                })
                .onFailure(ctx::fail);
    }

    private void deleteUser(RoutingContext ctx) {
        Http.call(ctx, Addresses.USERS_DELETE, new JsonObject().put("user_name", Http.path(ctx, "user_name"))
                        .put("if_match", ctx.request().getHeader("If-Match")))
                .onSuccess(user -> {
                    principals.invalidate(user.getString("id"));
                    tagged(ctx, user);
                    Http.sendJson(ctx, 200, user);
                })
                .onFailure(ctx::fail);
    }

    /** The user's version as a strong ETag, for a later If-Match. */
    private static void tagged(RoutingContext ctx, JsonObject user) {
        ctx.response().putHeader("ETag", EntityTags.of(user.getInteger("version")));
    }
}
