package org.mriclassifier.api;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.mri.MriExport;
import org.mriclassifier.mri.images.ImageStore;
import org.mriclassifier.inference.Heatmap;
import org.mriclassifier.mri.StoredImage;
import org.mriclassifier.mri.UploadCommand;
import org.mriclassifier.vision.ImageFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MRI routes. The upload's body was read by {@link UploadReader}; everything else comes from the validated
 * request. Each turns into a command for the MRI service; the HTTP layer never decodes an image or runs a model.
 */
final class MriRoutes {

    /** Under the HTTP request timeout (30 s), so the client hears the service's answer, not the router's. */
    static final long UPLOAD_TIMEOUT_MS = 25_000;

    private static final Logger LOG = LoggerFactory.getLogger(MriRoutes.class);

    private static final String EXPORT_SLOTS = "mri.export.slots";
    private static final long EXPORT_RETRY_AFTER_SECONDS = 10;

    private final int maxExports;
    private final long maxImageBytes;
    private final UploadBudget uploads;
    private final Pool pool;
    private final ImageStore images;

    /**
     * @param pool   the shared pool: the export streams from a database cursor here, not over the event bus
     * @param images where the export reads the images from
     */
    MriRoutes(long maxImageBytes, UploadBudget uploads, Pool pool, ImageStore images, int maxExports) {
        if (maxExports < 1) {
            throw new IllegalArgumentException("mri.max_concurrent_exports must be at least 1, not " + maxExports);
        }
        this.maxExports = maxExports;
        this.maxImageBytes = maxImageBytes;
        this.uploads = uploads;
        this.pool = pool;
        this.images = images;
    }

    void mount(RouterBuilder rb) {
        // the contract keeps describing the multipart body; vertx-openapi 5.0.x would corrupt its bytes
        rb.getRoute("uploadMri").setDoValidation(false).addHandler(this::uploadMri);
        rb.getRoute("listMri").addHandler(this::listMri);
        rb.getRoute("exportMri").addHandler(this::exportMri);
        rb.getRoute("replaceMri").addHandler(this::changeMri);
        rb.getRoute("updateMri").addHandler(this::changeMri);
        // Operations whose only input is the row id: vertx-openapi 5.0.x validates each parameter on a worker
        // thread and copies the contract's whole schema table to do it (a third of the CPU of a read, measured
        // with JFR, see BENCHMARKS.md). The MRI service checks the id itself (400 naming "id"), as the contract
        // says; the contract still describes these operations and their security still runs.
        for (String idOnly : new String[] {"getMri", "getMriImage", "getMriHeatmap", "deleteMri", "classifyMri"}) {
            rb.getRoute(idOnly).setDoValidation(false);
        }
        rb.getRoute("getMri").addHandler(this::getMri);
        rb.getRoute("getMriImage").addHandler(this::getMriImage);
        rb.getRoute("getMriHeatmap").addHandler(this::getMriHeatmap);
        rb.getRoute("deleteMri").addHandler(this::deleteMri);
        rb.getRoute("classifyMri").addHandler(this::classifyMri);
    }

    private void uploadMri(RoutingContext ctx) {
        UploadReader.Body body = ctx.get(UploadReader.BODY);
        if (body == null) {
            // UploadReader reads every upload first; a request that reached here unread is not an upload we know
            ctx.fail(new ServiceException(400, "the upload could not be read"));
            return;
        }
        parse(ctx, body)
                .compose(command -> ctx.vertx().eventBus().<JsonObject>request(Addresses.MRI_UPLOAD, command,
                                new DeliveryOptions().setSendTimeout(UPLOAD_TIMEOUT_MS))
                        .recover(error -> Future.failedFuture(Services.asReplyFailure(error))))
                .onSuccess(reply -> sendRow(ctx, 201, reply.body()))
                .onFailure(ctx::fail);
    }

    /**
     * A large JSON upload (parse, base64) is decoded on a worker, not on the event loop, and only so many at once
     * (the others wait in line): each holds copies of its image while it runs. Any failure is a problem, never a 500.
     */
    private Future<UploadCommand> parse(RoutingContext ctx, UploadReader.Body body) {
        var actor = Http.actor(ctx);
        if (body.json() == null || body.json().length() < 256 * 1024) {
            try {
                return Future.succeededFuture(UploadForm.parse(body, actor, maxImageBytes));
            } catch (ServiceException e) {
                return Future.failedFuture(e);
            }
        }
        return uploads.parse(ctx.vertx().getOrCreateContext(), () -> UploadForm.parse(body, actor, maxImageBytes));
    }

    private void listMri(RoutingContext ctx) {
        JsonObject command = new JsonObject();
        for (String filter : new String[] {"hospital", "gender", "class", "prediction", "from", "to", "cursor"}) {
            command.put(filter, Http.query(ctx, filter));
        }
        command.put("limit", Http.queryInt(ctx, "limit", 50));
        command.put("unfamiliar", Http.queryBoolean(ctx, "unfamiliar"));
        Http.call(ctx, Addresses.MRI_LIST, command)
                .onSuccess(page -> Http.sendJson(ctx, 200, page))
                .onFailure(ctx::fail);
    }

    /**
     * Streams the rows the caller may read (the list's filters and hospital scope) from a database cursor, with
     * backpressure: the cursor waits while the response's queue is full. A failure before the first bytes is a
     * problem; after them, the connection is reset so the client sees an incomplete body, never a short "success".
     */
    private void exportMri(RoutingContext ctx) {
        JsonObject command = new JsonObject();
        for (String filter : new String[] {"hospital", "gender", "class", "prediction", "from", "to", "format"}) {
            command.put(filter, Http.query(ctx, filter));
        }
        command.put("unfamiliar", Http.queryBoolean(ctx, "unfamiliar")).put("images", Http.queryBoolean(ctx, "images"));
        Actor actor = Http.actor(ctx);
        MriExport.Request request;
        try {
            request = MriExport.request(actor, command);
        } catch (ServiceException e) {
            ctx.fail(e);
            return;
        }
        Runnable release = claimExportSlot(ctx.vertx());
        if (release == null) {
            new Problem(429, "Too many exports are running on this server (at most " + maxExports
                    + " at a time, each holds a database connection while it streams): try again later", List.of(),
                    EXPORT_RETRY_AFTER_SECONDS).send(ctx);
            return;
        }
        ctx.response().closeHandler(closed -> release.run());
        ctx.vertx().eventBus().publish(Addresses.MRI_EVENTS_ACCESSED, new JsonObject()
                .put("action", "mri.export").putNull("id").put("hospital", request.query().hospital())
                .put("actor", actor.toJson()).put("at", Instant.now().toString()));
        HttpServerResponse response = ctx.response().setChunked(true)
                .putHeader("Content-Type", request.contentType())
                .putHeader("Content-Disposition", "attachment; filename=\"" + request.fileName() + "\"")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Content-Type-Options", "nosniff");
        MriExport.run(pool, images, request, response).onComplete(result -> {
            release.run();
            if (result.succeeded()) {
                response.end();
            } else if (!response.headWritten()) {
                ctx.fail(result.cause());
            } else if (!response.closed()) {
                LOG.warn("Export for request {} stopped part-way: {}", actor.requestId(), result.cause().getMessage());
                response.reset();
            }
        });
    }

    /**
     * One of the server's export slots (shared by every HTTP verticle instance through the Vert.x instance's local
     * map), or null when all are taken. The returned action frees the slot, once however often it runs.
     */
    private Runnable claimExportSlot(io.vertx.core.Vertx vertx) {
        io.vertx.core.shareddata.LocalMap<String, Integer> slots = vertx.sharedData().getLocalMap(EXPORT_SLOTS);
        boolean[] granted = {false};
        slots.compute("running", (key, running) -> {
            int now = running == null ? 0 : running;
            if (now >= maxExports) {
                return now;
            }
            granted[0] = true;
            return now + 1;
        });
        if (!granted[0]) {
            return null;
        }
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                slots.compute("running", (key, running) -> running == null || running <= 1 ? 0 : running - 1);
            }
        };
    }

    private void getMri(RoutingContext ctx) {
        Http.call(ctx, Addresses.MRI_GET, idCommand(ctx))
                .onSuccess(row -> sendRow(ctx, 200, row))
                .onFailure(ctx::fail);
    }

    private void getMriImage(RoutingContext ctx) {
        ctx.vertx().eventBus().<StoredImage>request(Addresses.MRI_IMAGE,
                        idCommand(ctx).put("actor", Http.actor(ctx).toJson()),
                        new DeliveryOptions().setSendTimeout(Http.SERVICE_TIMEOUT_MS))
                .onSuccess(reply -> {
                    StoredImage image = reply.body();
                    String extension = ImageFormat.ofContentType(image.contentType()).extension();
                    ctx.response()
                            .putHeader("Content-Type", image.contentType())
                            .putHeader("Content-Disposition", "attachment; filename=\"" + image.id() + "." + extension + "\"")
                            .end(Buffer.buffer(image.bytes()));
                })
                .onFailure(error -> ctx.fail(Services.asReplyFailure(error)));
    }

    /** The Grad-CAM overlay, or with {@code raw=true} the map alone (grey): both PNG at the stored image's size. */
    private void getMriHeatmap(RoutingContext ctx) {
        String raw = Http.query(ctx, "raw");
        if (raw != null && !raw.strip().equals("true") && !raw.strip().equals("false")) {
            ctx.fail(ServiceException.badRequest("raw", "must be true or false"));
            return;
        }
        ctx.vertx().eventBus().<Heatmap>request(Addresses.MRI_HEATMAP,
                        idCommand(ctx).put("actor", Http.actor(ctx).toJson()),
                        new DeliveryOptions().setSendTimeout(UPLOAD_TIMEOUT_MS))
                .onSuccess(reply -> {
                    Heatmap map = reply.body();
                    boolean rawMap = "true".equals(raw == null ? null : raw.strip());
                    ctx.response()
                            .putHeader("Content-Type", "image/png")
                            .putHeader("X-Model-Version", map.modelVersion())
                            .putHeader("X-Heatmap-Peak", String.valueOf((float) map.peak()))
                            .end(Buffer.buffer(rawMap ? map.raw() : map.overlay()));
                })
                .onFailure(error -> ctx.fail(Services.asReplyFailure(error)));
    }

    /** PUT (all three fields) and PATCH (some): the contract tells them apart; both need If-Match. */
    private void changeMri(RoutingContext ctx) {
        JsonObject command = idCommand(ctx)
                .put("if_match", ctx.request().getHeader("If-Match"))
                .put("changes", Http.body(ctx));
        Http.call(ctx, Addresses.MRI_UPDATE, command)
                .onSuccess(row -> sendRow(ctx, 200, row))
                .onFailure(ctx::fail);
    }

    private void deleteMri(RoutingContext ctx) {
        Http.call(ctx, Addresses.MRI_DELETE, idCommand(ctx).put("if_match", ctx.request().getHeader("If-Match")))
                .onSuccess(done -> ctx.response().setStatusCode(204).end())
                .onFailure(ctx::fail);
    }

    private void classifyMri(RoutingContext ctx) {
        Http.call(ctx, Addresses.MRI_CLASSIFY, idCommand(ctx).put("model_version", Http.query(ctx, "model_version")), UPLOAD_TIMEOUT_MS)
                .onSuccess(row -> sendRow(ctx, 200, row))
                .onFailure(ctx::fail);
    }

    /** The raw id: the service answers 400 (field "id") when it is not a UUID. */
    private static JsonObject idCommand(RoutingContext ctx) {
        return new JsonObject().put("id", ctx.pathParam("id"));
    }

    /** A row with its strong ETag (its version) and, when created, its Location. */
    private static void sendRow(RoutingContext ctx, int status, JsonObject row) {
        ctx.response().putHeader("ETag", "\"" + row.getInteger("version") + "\"");
        if (status == 201) {
            ctx.response().putHeader("Location", "/MRI/" + row.getString("id"));
        }
        Http.sendJson(ctx, status, row);
    }
}
