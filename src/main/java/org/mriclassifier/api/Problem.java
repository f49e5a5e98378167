package org.mriclassifier.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The one error body of the API: an RFC 9457 problem ({@code application/problem+json}) with the request id
 * and, for invalid input, the fields at fault. Never a stack trace, class name or SQL.
 */
public record Problem(int status, String detail, List<FieldError> errors, Long retryAfterSeconds) {

    public static final String CONTENT_TYPE = "application/problem+json";

    /** One field at fault: its name (a JSON pointer-like path for nested fields) and what was wrong. */
    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String detail) {
        return new Problem(status, detail, List.of(), null);
    }

    public JsonObject toJson(String instance, String requestId) {
        JsonObject body = new JsonObject()
                .put("type", "about:blank")
                .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
                .put("status", status)
                .put("detail", detail)
                .put("instance", instance)
                .put("request_id", requestId);
        if (!errors.isEmpty()) {
            JsonArray list = new JsonArray();
            errors.forEach(e -> list.add(new JsonObject().put("field", e.field()).put("message", e.message())));
            body.put("errors", list);
        }
        return body;
    }

    public void send(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        if (retryAfterSeconds != null) {
            ctx.response().putHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
        boolean close = Boolean.TRUE.equals(ctx.get(UploadReader.CLOSE_AFTER_RESPONSE));
        if (close) {
            ctx.response().putHeader("Connection", "close");
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", CONTENT_TYPE)
                .end(toJson(ctx.request().path(), RequestLog.requestId(ctx)).encode())
                .onComplete(written -> {
                    if (close) {
                        UploadReader.closeAfterAnswer(ctx);
                    }
                });
    }
}
