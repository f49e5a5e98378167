package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.regex.Pattern;

/**
 * A bearer token that is not even shaped like a JWT is an authentication failure (401), as every other bad
 * token is; the JWT handler would answer some of them with 400. So is an Authorization header that is not
 * {@code <scheme> <credentials>} at all (no space: the JWT handler answers 400 there too). Other schemes and
 * absent headers pass: the routes that need a token refuse them with 401 themselves.
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

    /**
     * Whether this Authorization header claims the bearer scheme but is not {@code Bearer <JWT-shaped token>}:
     * the JWT handler splits the header at its first space, so "Bearer" must be followed by exactly that space
     * ({@code Bearer\ta.b.c} or {@code bearerXa.b.c} would reach it and be answered 400).
     */
    static boolean malformed(String header) {
        if (header == null) {
            return false;
        }
        if (header.indexOf(' ') <= 0) {
            return true; // no "<scheme> <credentials>" to read: a credential nobody can check
        }
        if (!header.regionMatches(true, 0, "bearer", 0, 6)) {
            return false;
        }
        if (header.length() <= 7 || header.charAt(6) != ' ') {
            return true;
        }
        return !JWT_SHAPE.matcher(header.substring(7).trim()).matches();
    }
}
