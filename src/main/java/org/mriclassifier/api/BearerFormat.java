package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A bearer token that is not even shaped like a JWT is an authentication failure (401), as every other bad
 * token is; the JWT handler would answer some of them with 400. Other schemes and absent headers pass: the
 * routes that need a token refuse them with 401 themselves.
 */
final class BearerFormat implements Handler<RoutingContext> {

    private static final Pattern JWT_SHAPE = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    @Override
    public void handle(RoutingContext ctx) {
        if (malformed(ctx.request().getHeader("Authorization"))) {
            ctx.fail(new HttpException(401, "malformed bearer token"));
            return;
        }
        ctx.next();
    }

    /** Whether this Authorization header claims the bearer scheme but carries no JWT-shaped token. */
    static boolean malformed(String header) {
        if (header == null || !header.toLowerCase(Locale.ROOT).startsWith("bearer")) {
            return false;
        }
        String token = header.length() > 7 ? header.substring(7).trim() : "";
        return !JWT_SHAPE.matcher(token).matches();
    }
}
