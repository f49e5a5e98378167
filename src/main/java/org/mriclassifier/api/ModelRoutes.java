package org.mriclassifier.api;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.Services;
import org.mriclassifier.models.ModelUpload;

/** The model registry's routes: list, upload (body read by {@link ModelUploadReader}), activate. */
final class ModelRoutes {

    /** Under the HTTP request timeout: unpacking, loading and probing a bundle takes seconds. */
    static final long UPLOAD_TIMEOUT_MS = 25_000;

    void mount(RouterBuilder rb) {
        rb.getRoute("listModels").addHandler(this::listModels);
        // the contract describes the multipart body; vertx-openapi 5.0.x would corrupt its bytes
        rb.getRoute("uploadModel").setDoValidation(false).addHandler(this::uploadModel);
        rb.getRoute("activateModel").addHandler(this::activateModel);
        rb.getRoute("getModelPerformance").addHandler(this::getModelPerformance);
    }

    private void getModelPerformance(RoutingContext ctx) {
        JsonObject command = new JsonObject().put("version", Http.path(ctx, "version"));
        for (String filter : new String[] {"hospital", "gender", "from", "to"}) {
            command.put(filter, Http.query(ctx, filter));
        }
        Http.call(ctx, Addresses.MODELS_PERFORMANCE, command)
                .onSuccess(report -> Http.sendJson(ctx, 200, report))
                .onFailure(ctx::fail);
    }

    private void listModels(RoutingContext ctx) {
        Http.call(ctx, Addresses.MODELS_LIST, new JsonObject())
                .onSuccess(list -> Http.sendJson(ctx, 200, list))
                .onFailure(ctx::fail);
    }

    private void uploadModel(RoutingContext ctx) {
        Buffer bundle = ctx.get(ModelUploadReader.BODY);
        if (bundle == null) {
            ctx.fail(new org.mriclassifier.bus.ServiceException(400, "the bundle could not be read"));
            return;
        }
        ctx.vertx().eventBus().<JsonObject>request(Addresses.MODELS_UPLOAD, new ModelUpload(Http.actor(ctx), bundle.getBytes()),
                        new DeliveryOptions().setSendTimeout(UPLOAD_TIMEOUT_MS))
                .recover(error -> Future.failedFuture(Services.asReplyFailure(error)))
                .onSuccess(reply -> Http.sendCreated(ctx, "/models/" + reply.body().getString("version"), reply.body()))
                .onFailure(ctx::fail);
    }

    private void activateModel(RoutingContext ctx) {
        Http.call(ctx, Addresses.MODELS_ACTIVATE, new JsonObject().put("version", Http.path(ctx, "version")), UPLOAD_TIMEOUT_MS)
                .onSuccess(model -> Http.sendJson(ctx, 200, model))
                .onFailure(ctx::fail);
    }
}
