package org.mriclassifier.api;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
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
    /** How long, and how many more bytes, an unwanted body is read and dropped after its answer before the close. */
    static final long LINGER_MILLIS = 2_000;
    static final long LINGER_BYTES = 16L << 20;

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
     * out and the client stopped sending (at most {@link #LINGER_MILLIS} later: see {@link #closeAfterAnswer}). Either way
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
        Buffer json = Buffer.buffer();
        boolean[] failed = new boolean[1];
        long[] received = new long[1];
        MultipartReader form;
        try {
            form = multipart ? new MultipartReader(request.getHeader("Content-Type"), maxImageBytes) : null;
        } catch (ServiceException e) {
            refuse(ctx, e);
            return;
        }
        if (form != null) {
            ctx.addEndHandler(done -> form.close());
        }
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
            } else {
                try {
                    form.offer(chunk);
                } catch (ServiceException e) {
                    failed[0] = true;
                    form.close();
                    refuseFormPart(ctx, e, received[0]);
                }
            }
        });
        request.exceptionHandler(e -> {
            if (!failed[0]) {
                failed[0] = true;
                // the connection's own words are for the log, not the client
                LOG.debug("Upload body unreadable: {}", e.toString());
                dropBody(ctx, unreadable(e));
            }
        });
        request.endHandler(end -> {
            ctx.vertx().cancelTimer(rateCheck);
            upload.bodyRead();
            if (failed[0]) {
                return;
            }
            if (form != null) {
                try {
                    form.end();
                } catch (ServiceException e) {
                    failed[0] = true;
                    form.close();
                    ctx.fail(e);
                    return;
                }
            }
            ctx.put(BODY, new Body(form != null ? form.file() : null, form != null ? form.fileContentType() : null,
                    form != null ? form.attributes() : null, form != null ? null : json));
            if (form != null) {
                form.close();
            }
            ctx.next();
        });
        request.resume();
    }

    /**
     * A refusal from the form's content, in the middle of its body: answered at once. When what is still to come is
     * small, it is read and dropped after the answer (the client reads the whole answer, the connection stays for its
     * next request); a large rest is not wanted: the connection closes after the answer ({@link #closeAfterAnswer}).
     */
    private static void refuseFormPart(RoutingContext ctx, ServiceException failure, long received) {
        long declared = contentLength(ctx.request());
        if (declared >= 0 && declared - received <= DRAIN_LIMIT) {
            ctx.request().routed("/MRI");
            ctx.fail(failure);
        } else {
            dropBody(ctx, failure);
        }
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
     * Why a body could not be read, in words: the connection's exceptions are named by their Java classes, which say
     * nothing to a client and something to an attacker. (The multipart decoder's are {@link MultipartReader}'s.)
     */
    static ServiceException unreadable(Throwable e) {
        return new ServiceException(400, "the upload could not be read: the body ended early or the connection failed");
    }

    /**
     * Closes the connection of an answered request whose body is not wanted, once the client has stopped sending
     * it, or after at most {@link #LINGER_MILLIS} ms or {@link #LINGER_BYTES} more bytes (read and dropped). Closing
     * at once, with the client still sending, makes the kernel reset the connection, and a client busy sending
     * (Vert.x's web client) then reports "Connection was closed" instead of the answer it was sent.
     */
    static void closeAfterAnswer(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        if (request.isEnded()) {
            connection.close();
            return;
        }
        boolean[] closed = new boolean[1];
        long[] dropped = new long[1];
        long[] timer = new long[1];
        Runnable close = () -> {
            if (!closed[0]) {
                closed[0] = true;
                ctx.vertx().cancelTimer(timer[0]);
                connection.close();
            }
        };
        timer[0] = ctx.vertx().setTimer(LINGER_MILLIS, id -> close.run());
        request.handler(chunk -> {
            dropped[0] += chunk.length();
            if (dropped[0] > LINGER_BYTES) {
                close.run();
            }
        }).exceptionHandler(e -> close.run()).endHandler(end -> close.run());
        request.resume();
    }

    /** A refusal in the middle of a body: the rest is not wanted, the connection closes after the answer ({@link #closeAfterAnswer}). */
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
