package org.mriclassifier.api;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests the HTTP decoder could not read (a request line or headers over the server's limits, a malformed
 * request) never reach the router; Vert.x's own answer to them is a bare status with an empty body. This handler
 * ({@code HttpServer.invalidRequestHandler}) answers them with the API's one error shape instead, a request id
 * included, and the connection closes after it, as Vert.x does.
 */
final class InvalidRequests {

    private static final Logger ACCESS = LoggerFactory.getLogger("org.mriclassifier.access");

    private InvalidRequests() {
    }

    static void answer(HttpServerRequest request) {
        DecoderResult result = request.decoderResult();
        Throwable cause = result == null ? null : result.cause();
        Problem problem;
        if (cause instanceof TooLongHttpLineException
                || (cause instanceof TooLongFrameException && String.valueOf(cause.getMessage()).startsWith("An HTTP line"))) {
            problem = Problem.of(414, "the request line (method, path and query) is too long");
        } else if (cause instanceof TooLongHttpHeaderException
                || (cause instanceof TooLongFrameException && String.valueOf(cause.getMessage()).startsWith("HTTP header"))) {
            problem = Problem.of(431, "the request headers are too large");
        } else {
            problem = Problem.of(400, "the request could not be read as HTTP");
        }
        String id = UUID.randomUUID().toString();
        // no instance: the path is what could not be read
        JsonObject body = problem.toJson(null, id);
        body.remove("instance");
        ACCESS.info("(unreadable request) {} rid={}", problem.status(), id);
        request.response()
                .setStatusCode(problem.status())
                .putHeader("Content-Type", Problem.CONTENT_TYPE)
                .putHeader(RequestLog.HEADER, id)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Cache-Control", "no-store")
                .putHeader("Connection", "close")
                .end(body.encode());
    }
}
