package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mriclassifier.auth.TokenAuth;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;

/**
 * Reads the body of {@code POST /models} (a zipped model folder as the multipart file part {@code bundle}) into
 * memory, after the token has been checked and only for an admin: nobody else gets a byte buffered. At most
 * {@code models.max_upload_bytes} (413 beyond, as soon as it is exceeded), one bundle at a time per HTTP instance
 * (503 while one is being read); nothing is written to disk here.
 */
final class ModelUploadReader implements Handler<RoutingContext> {

    static final String BODY = "mri.model.bundle";
    /** Bodies up to this size are read and dropped when refused, keeping the connection. */
    private static final long DRAIN_LIMIT = 256 * 1024;

    private final TokenAuth auth;
    private final long maxBytes;
    private final AtomicBoolean reading = new AtomicBoolean();

    ModelUploadReader(TokenAuth auth, long maxBytes) {
        this.auth = auth;
        this.maxBytes = maxBytes;
    }

    static boolean isModelUpload(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return ctx.request().method() == HttpMethod.POST && "/models".equals(path);
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.pause();
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            refuse(ctx, new HttpException(401));
            return;
        }
        auth.authenticate(new TokenCredentials(header.substring(7).trim()))
                .onFailure(e -> refuse(ctx, new HttpException(401, e)))
                .onSuccess(user -> {
                    JsonObject actor = user.attributes().getJsonObject(TokenAuth.ACTOR);
                    if (actor == null || !"admin".equals(actor.getString("role"))) {
                        ctx.vertx().eventBus().publish(Addresses.SECURITY_EVENTS_DENIED, new JsonObject()
                                .put("actor", actor == null ? new JsonObject() : actor.copy()
                                        .put("address", Http.clientAddress(ctx)).put("request_id", RequestLog.requestId(ctx)))
                                .put("action", "model.upload").put("target_type", "model").put("target_id", null)
                                .put("status", 403).put("reason", "only admins manage models").put("at", Instant.now().toString()));
                        refuse(ctx, ServiceException.forbidden("only admins manage models"));
                        return;
                    }
                    read(ctx);
                });
    }

    private void read(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String type = request.getHeader("Content-Type") == null ? "" : request.getHeader("Content-Type").toLowerCase(Locale.ROOT);
        if (!type.startsWith("multipart/form-data")) {
            refuse(ctx, new ServiceException(415, "upload the zipped model folder as multipart/form-data, in a file part named bundle"));
            return;
        }
        String declared = request.getHeader("Content-Length");
        try {
            if (declared != null && Long.parseLong(declared.trim()) > maxBytes + 64 * 1024) {
                refuse(ctx, tooLarge());
                return;
            }
        } catch (NumberFormatException e) {
            refuse(ctx, new ServiceException(400, "the Content-Length header is not a number"));
            return;
        }
        if (!reading.compareAndSet(false, true)) {
            refuse(ctx, ServiceException.retryLater(503, "another model bundle is being received; try again shortly", 5));
            return;
        }
        ctx.addEndHandler(done -> reading.set(false));
        Buffer bundle = Buffer.buffer();
        boolean[] failed = new boolean[1];
        boolean[] seen = new boolean[1];
        request.setExpectMultipart(true);
        request.uploadHandler(part -> {
            if (!"bundle".equals(part.name()) || seen[0]) {
                failed[0] = true;
                drop(ctx, ServiceException.badRequest(part.name(), "send exactly one file part, named bundle"));
                return;
            }
            seen[0] = true;
            part.handler(chunk -> {
                if (!failed[0] && bundle.length() + chunk.length() > maxBytes) {
                    failed[0] = true;
                    drop(ctx, tooLarge());
                } else if (!failed[0]) {
                    bundle.appendBuffer(chunk);
                }
            });
        });
        request.exceptionHandler(e -> {
            if (!failed[0]) {
                failed[0] = true;
                drop(ctx, UploadReader.unreadable(e));
            }
        });
        request.endHandler(end -> {
            if (failed[0]) {
                return;
            }
            if (!seen[0]) {
                ctx.fail(ServiceException.badRequest("bundle", "send the zipped model folder as a file part named bundle"));
                return;
            }
            ctx.put(BODY, bundle);
            ctx.next();
        });
        request.resume();
    }

    private ServiceException tooLarge() {
        return new ServiceException(413, "the bundle is larger than " + maxBytes + " bytes", "bundle");
    }

    /**
     * An answer before the body was read. A small body is read and dropped, so the client hears the answer on an
     * open connection; a large one is not wanted: the connection closes once the answer is out.
     */
    private static void refuse(RoutingContext ctx, Throwable failure) {
        HttpServerRequest request = ctx.request();
        request.routed("/models");
        if (request.isEnded()) {
            ctx.fail(failure);
            return;
        }
        long declared;
        try {
            declared = request.getHeader("Content-Length") == null ? -1 : Long.parseLong(request.getHeader("Content-Length").trim());
        } catch (NumberFormatException e) {
            declared = -1;
        }
        if (declared >= 0 && declared <= DRAIN_LIMIT) {
            request.handler(ignored -> { }).exceptionHandler(e -> { }).endHandler(end -> ctx.fail(failure));
            request.resume();
            return;
        }
        ctx.put(UploadReader.CLOSE_AFTER_RESPONSE, true);
        ctx.fail(failure);
    }

    private static void drop(RoutingContext ctx, ServiceException failure) {
        ctx.request().routed("/models");
        ctx.put(UploadReader.CLOSE_AFTER_RESPONSE, true);
        ctx.fail(failure);
    }
}
