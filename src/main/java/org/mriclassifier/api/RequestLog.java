package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Path;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * First handler of every request: gives it an id (the client's {@code X-Request-Id} when it is a sane token,
 * a new one otherwise), returns it in the response, sets the headers every response carries, and writes one
 * log line when the response ends: method, route template (never the raw path, which can hold names), status,
 * milliseconds, request id. Nothing else of the request (no body, no headers, no token) is logged.
 */
final class RequestLog implements Handler<RoutingContext> {

    private static final Logger ACCESS = LoggerFactory.getLogger("org.mriclassifier.access");
    static final String REQUEST_ID = "request_id";
    static final String HEADER = "X-Request-Id";
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._-]{8,64}");

    private final OpenAPIContract contract;

    RequestLog(OpenAPIContract contract) {
        this.contract = contract;
    }

    static String requestId(RoutingContext ctx) {
        return ctx.get(REQUEST_ID);
    }

    @Override
    public void handle(RoutingContext ctx) {
        long start = System.nanoTime();
        String offered = ctx.request().getHeader(HEADER);
        String id = offered != null && SANE_ID.matcher(offered).matches() ? offered : newId();
        ctx.put(REQUEST_ID, id);
        ctx.response()
                .putHeader(HEADER, id)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        ctx.addEndHandler(done -> {
            MDC.put(REQUEST_ID, id);
            try {
                ACCESS.info("{} {} {} {}ms", ctx.request().method(), routeOf(ctx),
                        ctx.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000);
            } finally {
                MDC.remove(REQUEST_ID);
            }
        });
        ctx.next();
    }

    /**
     * A random (version 4) UUID from the thread's own generator: a request id correlates log lines and answers,
     * it guards nothing, and {@code UUID.randomUUID()} reads the shared SecureRandom under a lock on every request.
     */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
        return new UUID(high, low).toString();
    }

    private String routeOf(RoutingContext ctx) {
        // the operation's route when it ran to the end; otherwise the contract's matching path
        if (ctx.currentRoute() != null && ctx.currentRoute().getPath() != null) {
            return ctx.currentRoute().getPath();
        }
        if (UploadReader.isUpload(ctx)) {
            // refused by UploadReader before the contract's route: no need to search the contract for it
            return "/MRI";
        }
        Path path = contract.findPath(ctx.request().path());
        if (path != null) {
            return path.getName();
        }
        return ctx.request().path().startsWith("/docs/") ? "/docs/*" : "(no route)";
    }
}
