package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.validation.ValidatorException;
import java.time.Instant;
import java.util.List;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.DbErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every failed request ends: one place that turns a failure into a {@link Problem}. Unexpected
 * exceptions are logged with the request id and leave as a bare 500.
 */
final class FailureHandler implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);
    private final long bodyLimitBytes;

    FailureHandler(long bodyLimitBytes) {
        this.bodyLimitBytes = bodyLimitBytes;
    }

    @Override
    public void handle(RoutingContext ctx) {
        Problem problem = problemFor(ctx);
        if (problem.status() == 500) {
            LOG.error("Request {} failed", RequestLog.requestId(ctx), ctx.failure());
        }
        if (problem.status() == 401) {
            auditUnauthenticated(ctx);
        }
        problem.send(ctx);
    }

    /**
     * Requests without a valid token join the audit trail counted, not one row each (see AuditVerticle): anyone
     * can send them, as many as they like, with any path.
     */
    private static void auditUnauthenticated(RoutingContext ctx) {
        String path = ctx.request().path();
        ctx.vertx().eventBus().publish(Addresses.SECURITY_EVENTS_UNAUTHENTICATED, new JsonObject()
                .put("address", Http.clientAddress(ctx))
                .put("method", ctx.request().method().name())
                .put("path", path == null || path.length() <= 200 ? path : path.substring(0, 200))
                .put("at", Instant.now().toString()));
    }

    private Problem problemFor(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof ServiceException se) {
            return asProblem(se);
        }
        if (failure instanceof HttpException http) {
            if (http.getCause() instanceof ValidatorException invalid) {
                return ValidationErrors.toProblem(invalid);
            }
            if (http.getCause() instanceof ServiceException se && se.status() >= 500) {
                // the token check could not reach the database: not the client's fault
                return asProblem(se);
            }
            return byStatus(ctx, http.getStatusCode());
        }
        if (failure != null && ctx.statusCode() < 0) {
            return asProblem(DbErrors.asServiceException(failure));
        }
        return byStatus(ctx, ctx.statusCode());
    }

    static Problem asProblem(ServiceException se) {
        String prefix = se.field() + ": ";
        String message = se.detail().startsWith(prefix) ? se.detail().substring(prefix.length()) : se.detail();
        List<Problem.FieldError> errors = se.field() == null ? List.of()
                : List.of(new Problem.FieldError(se.field(), message));
        return new Problem(se.status(), se.detail(), errors, se.retryAfterSeconds());
    }

    Problem byStatus(RoutingContext ctx, int status) {
        return switch (status) {
            case 400 -> Problem.of(400, "the request is malformed");
            case 401 -> {
                ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"mri-classifier\"");
                yield Problem.of(401, "a valid, unexpired bearer token is required (POST /login)");
            }
            case 403 -> Problem.of(403, "your role may not do this");
            case 404 -> Problem.of(404, "no such resource");
            case 405 -> Problem.of(405, "this method is not allowed on this resource");
            case 413 -> Problem.of(413, "the request body is larger than " + bodyLimitBytes + " bytes");
            case 415 -> Problem.of(415, "unsupported content type");
            case 503 -> new Problem(503, "the server is busy or a dependency is unavailable; try again later",
                    List.of(), 1L);
            default -> status >= 400 && status < 600 ? Problem.of(status, "the request failed")
                    : Problem.of(500, "internal error");
        };
    }
}
