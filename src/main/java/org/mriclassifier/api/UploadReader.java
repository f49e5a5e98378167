package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mriclassifier.auth.TokenAuth;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.mri.ClassificationLoad;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the body of {@code POST /MRI} into memory, after the token has been checked: an anonymous client never
 * gets a byte buffered, and no upload is ever written to a temporary file. The contract still describes the
 * body; vertx-openapi 5.0.x cannot validate binary multipart parts (it decodes them as UTF-8), so
 * {@link UploadForm} validates it in code. Limits: the image size (413 as soon as it is exceeded), the budget of
 * buffered upload bytes, reserved as they arrive (503 beyond), one user's uploads being read and bytes held (429
 * beyond), and a minimum arrival rate after a grace period (408 below it).
 */
final class UploadReader implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(UploadReader.class);

    static final String BODY = "mri.upload.body";
    /** Set on requests whose connection must close once the (error) response is written. */
    static final String CLOSE_AFTER_RESPONSE = "mri.close.after.response";
    private static final long FORM_OVERHEAD = 64 * 1024;
    /** Bodies up to this size are read and dropped when refused, keeping the connection. */
    private static final long DRAIN_LIMIT = 256 * 1024;
    /** How long, and how many more bytes, a refused upload's connection is read (and dropped) before it closes. */
    static final long LINGER_MS = 1_000;
    static final long LINGER_BYTES = 1 << 20;

    /** What was read: a multipart form (file + attributes) or a JSON body. */
    record Body(Buffer file, String fileContentType, MultiMap attributes, Buffer json) {
    }

    private final TokenAuth auth;
    private final long maxImageBytes;
    private final UploadBudget budget;
    private final ClassificationLoad load;
    /**
     * Per connection of this reader's event loop (one HTTP verticle instance, so no lock): the earliest time
     * (System.nanoTime) a retry after its last refusal is answered at once. Expired entries go when it is full.
     */
    private final Map<HttpConnection, Long> comeBackAfter = new HashMap<>();
    private static final int PACED_CONNECTIONS_MAX = 4096;

    private final boolean pacing;

    UploadReader(TokenAuth auth, long maxImageBytes, UploadBudget budget, ClassificationLoad load, boolean pacing) {
        this.pacing = pacing;
        this.auth = auth;
        this.maxImageBytes = maxImageBytes;
        this.budget = budget;
        this.load = load;
    }

    /** Whether this request is an upload: POST on /MRI, however its path is spelled (/MRI/, //MRI, /%4DRI). */
    static boolean isUpload(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return ctx.request().method() == HttpMethod.POST && "/MRI".equals(path);
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
                .onSuccess(user -> read(ctx, account(user.attributes().getJsonObject(TokenAuth.ACTOR))));
    }

    /**
     * An answer before the body was read, sent at once: the body is not wanted, and what of it arrives is dropped
     * as it comes (no multipart decoding, no copy, nothing reserved). A small body is let in to its end, so the
     * connection stays open for the client's next request (under overload, reconnecting would cost more than the
     * bytes); a large or unknown one gets {@code Connection: close}, and the connection closes once the answer is
     * out and the client stopped sending (at most {@link #LINGER_MS} later: see {@link #closeLingering}). Either way
     * nothing waits for an idle timeout, and the client reads the answer instead of a reset.
     */
    static void refuse(RoutingContext ctx, Throwable failure) {
        HttpServerRequest request = ctx.request();
        // the contract's route never sees this request: name it here, so refusals count under /MRI in /metrics
        request.routed("/MRI");
        if (!request.isEnded()) {
            long declared = contentLength(request);
            if (declared < 0 || declared > DRAIN_LIMIT) {
                ctx.put(CLOSE_AFTER_RESPONSE, true);
            }
            request.handler(ignored -> { }).exceptionHandler(e -> { });
            request.resume();
        }
        ctx.fail(failure);
    }

    /**
     * Closes the connection of a refused upload once its answer is written. Closing while the client is still
     * sending would make the kernel answer the unread bytes with a reset, which can destroy the answer before the
     * client reads it; so the rest of the body is dropped as it arrives until it ends, {@link #LINGER_BYTES} more
     * have come, or {@link #LINGER_MS} passed, whichever is first (what Apache calls a lingering close).
     */
    static void closeLingering(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        if (request.isEnded()) {
            connection.close();
            return;
        }
        long[] seen = new long[1];
        long timer = ctx.vertx().setTimer(LINGER_MS, id -> connection.close());
        request.handler(chunk -> {
            seen[0] += chunk.length();
            if (seen[0] > LINGER_BYTES) {
                ctx.vertx().cancelTimer(timer);
                connection.close();
            }
        });
        request.endHandler(end -> {
            ctx.vertx().cancelTimer(timer);
            connection.close();
        });
        request.exceptionHandler(e -> ctx.vertx().cancelTimer(timer));
        request.resume();
    }

    /** The account an upload counts against, as the MRI service's admissions key it (its id, else its name). */
    private static String account(JsonObject actor) {
        String id = actor.getString("id");
        return id != null ? id : actor.getString("user_name");
    }

    /**
     * A 429 or 503 with Retry-After, paced per connection: a connection that comes back sooner than half the
     * Retry-After it was given (a client that ignores it; many do) has its next refusal answered only then. Such
     * a client then costs a timer, not a refusal's CPU, as often as it likes to ask: 128 of them retrying at once
     * would otherwise spend the cores on refusals and starve the accepted uploads. Clients that wait as asked
     * (with jitter down to half of it) are answered at once, as before. The body is not read meanwhile.
     */
    private void refuseRetryLater(RoutingContext ctx, ServiceException failure) {
        if (!pacing) {
            refuse(ctx, failure);
            return;
        }
        HttpConnection connection = ctx.request().connection();
        long now = System.nanoTime();
        long retryNanos = TimeUnit.SECONDS.toNanos(failure.retryAfterSeconds() == null ? 1 : failure.retryAfterSeconds());
        Long earliest = comeBackAfter.get(connection);
        long answerAt = earliest != null && earliest - now > 0 ? earliest : now;
        if (comeBackAfter.size() >= PACED_CONNECTIONS_MAX) {
            comeBackAfter.values().removeIf(at -> now - at > 0);
        }
        comeBackAfter.put(connection, answerAt + retryNanos / 2);
        if (answerAt == now) {
            refuse(ctx, failure);
            return;
        }
        ctx.vertx().setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(answerAt - now)), id -> {
            if (!ctx.response().ended() && !ctx.response().closed()) {
                refuse(ctx, failure);
            }
        });
    }

    private void read(RoutingContext ctx, String userId) {
        HttpServerRequest request = ctx.request();
        String type = request.getHeader("Content-Type") == null ? "" : request.getHeader("Content-Type").toLowerCase(Locale.ROOT);
        boolean multipart = type.startsWith("multipart/form-data");
        if (!multipart && !type.startsWith("application/json")) {
            refuse(ctx, new ServiceException(415, "upload the image as multipart/form-data (a part named file) or as JSON with base64 in image"));
            return;
        }
        // base64 inflates by 4/3
        long limit = (multipart ? maxImageBytes : maxImageBytes / 3 * 4 + 4) + FORM_OVERHEAD;
        long declared = contentLength(request);
        if (declared > limit) {
            tooLarge(ctx);
            return;
        }
        // full already, or this account holds its share of a full server: say so before reading (and paying for)
        // a body that would only be refused
        ClassificationLoad.Verdict verdict = load.verdict(userId);
        if (verdict != ClassificationLoad.Verdict.ADMIT) {
            refuseRetryLater(ctx, load.refusal(verdict, userId));
            return;
        }
        if (declared >= 0 && !budget.hasRoomFor(declared)) {
            refuseRetryLater(ctx, ServiceException.retryLater(503, "too many uploads in progress; try again shortly", 1));
            return;
        }
        UploadBudget.Upload upload = budget.open(userId);
        if (upload == null) {
            refuse(ctx, ServiceException.retryLater(429, "you already have " + budget.limits().maxOpenPerUser()
                    + " uploads in progress being sent; send the next one when one of them is done", 1));
            return;
        }
        // bytes are reserved as they arrive and given back however the request ends
        ctx.addEndHandler(done -> upload.close());
        Buffer file = Buffer.buffer();
        Buffer json = Buffer.buffer();
        String[] fileContentType = new String[1];
        boolean[] failed = new boolean[1];
        long[] received = new long[1];
        long rateCheck = watchRate(ctx, failed, received);
        ctx.addEndHandler(done -> ctx.vertx().cancelTimer(rateCheck));
        request.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            received[0] += chunk.length();
            UploadBudget.Shortfall shortfall = upload.reserve(chunk.length());
            if (shortfall != UploadBudget.Shortfall.NONE) {
                failed[0] = true;
                dropBody(ctx, shortfall == UploadBudget.Shortfall.USER
                        ? ServiceException.retryLater(429, "your uploads in progress hold more than "
                        + budget.limits().maxBytesPerUser() + " bytes; send the next one when one of them is done", 1)
                        : ServiceException.retryLater(503, "too many uploads in progress; try again shortly", 1));
            } else if (!multipart && json.length() + chunk.length() > limit) {
                failed[0] = true;
                tooLarge(ctx);
            } else if (!multipart) {
                json.appendBuffer(chunk);
            }
        });
        if (multipart) {
            request.setExpectMultipart(true);
            request.uploadHandler(part -> {
                if (!"file".equals(part.name()) || fileContentType[0] != null) {
                    failed[0] = true;
                    ctx.fail(ServiceException.badRequest(part.name(), "send exactly one file part, named file"));
                    return;
                }
                fileContentType[0] = part.contentType();
                part.handler(chunk -> {
                    if (!failed[0] && file.length() + chunk.length() > maxImageBytes) {
                        failed[0] = true;
                        tooLarge(ctx);
                    } else if (!failed[0]) {
                        file.appendBuffer(chunk);
                    }
                });
            });
        }
        request.exceptionHandler(e -> {
            if (!failed[0]) {
                failed[0] = true;
                // the decoder's own words (Netty's ErrorDataDecoderException...) are for the log, not the client
                LOG.debug("Upload body unreadable: {}", e.toString());
                dropBody(ctx, unreadable(e));
            }
        });
        request.endHandler(end -> {
            ctx.vertx().cancelTimer(rateCheck);
            upload.bodyRead();
            if (!failed[0]) {
                ctx.put(BODY, new Body(multipart ? file : null, fileContentType[0],
                        multipart ? request.formAttributes() : null, multipart ? null : json));
                ctx.next();
            }
        });
        request.resume();
    }

    /**
     * Once a second, from the grace period on: a body arriving slower, on average, than the minimum rate is
     * dropped (408, connection closed). A client sending a byte a second holds a connection, an upload slot and
     * the bytes it sent only that long, and reconnecting starts it again from nothing.
     */
    private long watchRate(RoutingContext ctx, boolean[] failed, long[] received) {
        long startedAt = System.nanoTime();
        UploadBudget.Limits limits = budget.limits();
        return ctx.vertx().setPeriodic(1_000, id -> {
            long elapsedMs = (System.nanoTime() - startedAt) / 1_000_000;
            if (failed[0] || ctx.request().isEnded()) {
                ctx.vertx().cancelTimer(id);
            } else if (elapsedMs >= limits.rateGraceMillis() && received[0] * 1000 < limits.minBytesPerSecond() * elapsedMs) {
                failed[0] = true;
                ctx.vertx().cancelTimer(id);
                dropBody(ctx, new ServiceException(408, "the upload arrived slower than " + limits.minBytesPerSecond()
                        + " bytes per second; send it again over a faster connection"));
            }
        });
    }

    /**
     * Why a body could not be read, in words: the multipart decoder's and the connection's exceptions are named
     * by their Java classes, which say nothing to a client and something to an attacker.
     */
    static ServiceException unreadable(Throwable e) {
        if (e instanceof HttpPostRequestDecoder.TooLongFormFieldException || overCapacity(e)) {
            return new ServiceException(400, "a form field is longer than " + HttpServerOptions.DEFAULT_MAX_FORM_ATTRIBUTE_SIZE
                    + " bytes (only the file part may be large)");
        }
        if (e instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
            return new ServiceException(400, "the form has more than " + HttpServerOptions.DEFAULT_MAX_FORM_FIELDS
                    + " fields (it needs file, gender, hospital and class)");
        }
        if (e instanceof HttpPostRequestDecoder.ErrorDataDecoderException) {
            return new ServiceException(400, "the multipart body is malformed (check its boundary and part headers)");
        }
        return new ServiceException(400, "the upload could not be read: the body ended early or the connection failed");
    }

    /** Netty reports a form field over its size limit as a decoder error caused by "Size exceed allowed maximum capacity". */
    private static boolean overCapacity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("exceed allowed maximum capacity")) {
                return true;
            }
        }
        return false;
    }

    /** A refusal in the middle of a body: the rest is not read, the connection closes after the answer. */
    private static void dropBody(RoutingContext ctx, ServiceException failure) {
        ctx.request().routed("/MRI");
        ctx.put(CLOSE_AFTER_RESPONSE, true);
        ctx.fail(failure);
    }

    private void tooLarge(RoutingContext ctx) {
        refuse(ctx, new ServiceException(413, "the image is larger than " + maxImageBytes + " bytes", "file"));
    }

    private static long contentLength(HttpServerRequest request) {
        try {
            String value = request.getHeader("Content-Length");
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
