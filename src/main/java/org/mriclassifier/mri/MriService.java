package org.mriclassifier.mri;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.mriclassifier.audit.AuditTrail;
import org.mriclassifier.auth.AccessPolicy;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.auth.Decision;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.EntityTags;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.DbErrors;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.inference.ClassifyReply;
import org.mriclassifier.inference.InferenceJob;
import org.mriclassifier.inference.InferenceMetrics;
import org.mriclassifier.inference.InferenceNodes;
import org.mriclassifier.inference.Prediction;
import org.mriclassifier.inference.ServedModel;
import org.mriclassifier.models.ModelRegistry;
import org.mriclassifier.mri.MriRepository.ListQuery;
import org.mriclassifier.mri.images.ImageStore;
import org.mriclassifier.mri.images.ImageStores;
import org.mriclassifier.vision.ImageFormat;
import org.mriclassifier.vision.Sha256;
import org.mriclassifier.vision.VisionJob;
import org.mriclassifier.vision.VisionResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MRI data set service (event loop). Uploads go through the OpenCV worker and the model over the event bus
 * and are stored, bytes and row in one transaction; then {@code mri.events.classified} is published. Reads,
 * lists, changes (with optimistic concurrency) and deletes are checked against {@link AccessPolicy} first.
 * Every action publishes an event for the audit trail; refusals too.
 */
public final class MriService extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(MriService.class);
    public static final Set<String> GENDERS = Set.of("female", "male", "other", "unknown");
    public static final Set<String> CLASSES = Set.of(Prediction.TUMOR, Prediction.HEALTHY);
    private static final Pattern HOSPITAL = Pattern.compile("[^\\x00-\\x1F\\x7F]{1,100}");

    private final InferenceMetrics metrics;
    private final ClassificationLoad load;
    private final ModelRegistry models;
    private MriRepository repository;
    private ImageStore images;
    private Admissions admissions;
    private Pool pool;
    private int pageSizeMax;
    private long visionTimeoutMs;
    private long inferenceTimeoutMs;

    /** Null: classifications run on this process's own workers; otherwise on the cluster's inference nodes. */
    private final InferenceNodes remote;

    public MriService(InferenceMetrics metrics, ClassificationLoad load, ModelRegistry models) {
        this(metrics, load, models, null);
    }

    public MriService(InferenceMetrics metrics, ClassificationLoad load, ModelRegistry models, InferenceNodes remote) {
        this.metrics = metrics;
        this.load = load;
        this.models = models;
        this.remote = remote;
    }

    @Override
    public Future<?> start() {
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        JsonObject mri = config().getJsonObject("mri", new JsonObject());
        pageSizeMax = mri.getInteger("page_size_max", 100);
        visionTimeoutMs = config().getJsonObject("vision", new JsonObject()).getLong("timeout_ms", 10_000L);
        inferenceTimeoutMs = config().getJsonObject("inference", new JsonObject()).getLong("timeout_ms", 10_000L);
        admissions = new Admissions(load, mri.getLong("max_classification_bytes_in_flight", 256L << 20));
        EventBus bus = vertx.eventBus();
        return ImageStores.create(vertx, config().getJsonObject("images")).compose(store -> {
            images = store;
            repository = new MriRepository(store);
            // what a crash between an image's write and its row's commit left behind (object stores only)
            store.sweep(pool).onSuccess(n -> {
                if (n > 0) {
                    LOG.info("Removed {} stored image(s) that no row references", n);
                }
            }).onFailure(error -> LOG.warn("The image store's sweep failed: {}", error.getMessage()));
            return Future.all(List.of(
                bus.<UploadCommand>localConsumer(Addresses.MRI_UPLOAD, this::upload).completion(),
                bus.<JsonObject>localConsumer(Addresses.MRI_IMAGE, this::image).completion(),
                Services.serve(bus, Addresses.MRI_GET, this::get, DbErrors::asServiceException),
                Services.serve(bus, Addresses.MRI_LIST, this::list, DbErrors::asServiceException),
                Services.serve(bus, Addresses.MRI_UPDATE, this::update, DbErrors::asServiceException),
                Services.serve(bus, Addresses.MRI_DELETE, this::delete, DbErrors::asServiceException),
                Services.serve(bus, Addresses.MRI_CLASSIFY, this::classify, DbErrors::asServiceException)));
        });
    }

    @Override
    public Future<?> stop() {
        return images == null ? Future.succeededFuture() : images.close();
    }

    // ---- upload ------------------------------------------------------------------------------------------

    private void upload(Message<UploadCommand> message) {
        UploadCommand command = message.body();
        Future<JsonObject> result;
        try {
            result = upload(command);
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onSuccess(message::reply).onFailure(error -> {
            ServiceException failure = DbErrors.asServiceException(error);
            if (failure.status() >= 500 && failure.status() != 503) {
                LOG.error("Upload failed for request {}", command.actor().requestId(), error);
            }
            message.fail(failure.status(), failure.toWire());
        });
    }

    private Future<JsonObject> upload(UploadCommand command) {
        Actor actor = command.actor();
        require(GENDERS, command.gender(), "gender");
        if (command.label() != null) {
            require(CLASSES, command.label(), "class");
        }
        String hospital = hospital(command.hospital());
        Decision decision = AccessPolicy.uploadMri(actor, hospital);
        if (!decision.allowed()) {
            return Future.failedFuture(deny(actor, "mri.upload", null, decision));
        }
        if (command.label() != null) {
            Decision labelling = AccessPolicy.labelAtUpload(actor);
            if (!labelling.allowed()) {
                deny(actor, "mri.upload", null, labelling);
                return Future.failedFuture(new ServiceException(403, labelling.reason(), "class"));
            }
        }
        // postgres store: one database round trip for a new image (row, bytes and audit row in one statement, which
        // finds a duplicate by the unique constraint too; a second query then names the stored row). An object store
        // writes the object inside the row's transaction, before its commit, so it keeps the transactional path.
        return admissions.admit(actor, command.image().length, () -> classifyImage(command.image(), null, actor,
                        vision -> images.inDatabase() ? Future.<Void>succeededFuture() : rejectDuplicate(hospital, vision.sha256()))
                .compose(outcome -> {
                    MriRepository.NewRow newRow = new MriRepository.NewRow(
                        UUID.randomUUID(), command.gender(), hospital, command.label(),
                        outcome.prediction().label(), outcome.prediction().probability(),
                        outcome.prediction().modelVersion(), outcome.vision().sha256(),
                        outcome.vision().format().contentType(), outcome.vision().width(), outcome.vision().height(),
                        actor.id() == null ? null : UUID.fromString(actor.id()), actor.userName(), outcome.vision().stored(),
                        outcome.prediction().unfamiliar(), scoreOrNull(outcome.prediction()));
                    if (images.inDatabase()) {
                        return repository.insertAudited(pool, newRow, AuditTrail.mriCreated(actor.toJson(), hospital))
                                .compose(created -> created.isPresent() ? Future.succeededFuture(created.get())
                                        : rejectDuplicate(hospital, outcome.vision().sha256()).map(v -> (MriRow) null));
                    }
                    return pool.withTransaction(tx -> repository.insert(tx, newRow)
                                    .compose(row -> audited(tx, "created", actor, row)))
                            // the bytes may have been written before the transaction failed
                            .recover(error -> released(outcome.vision().sha256()).compose(v -> Future.failedFuture(error)));
                }))
                // a concurrent upload of the same bytes won the race
                .recover(error -> Future.failedFuture(DbErrors.isUniqueViolation(error, MriRepository.UNIQUE_IMAGE)
                        ? new ServiceException(409, "this image is already stored for this hospital", "file") : error))
                .map(row -> {
                    if (row == null) {
                        // stored meanwhile and deleted again before it could be named
                        throw new ServiceException(409, "this image is already stored for this hospital", "file");
                    }
                    classified(row);
                    changed("created", actor, row);
                    return row.toJson();
                });
    }

    private Future<Void> rejectDuplicate(String hospital, String sha256) {
        return repository.findBySha(pool, hospital, sha256).compose(existing -> existing.isEmpty()
                ? Future.succeededFuture()
                : Future.failedFuture(new ServiceException(409,
                "this image is already stored for this hospital as /MRI/" + existing.get(), "file")));
    }

    private record Classification(VisionResult vision, Prediction prediction) {
    }

    /**
     * Image bytes → what is stored and the model's answer, on this process's workers or on an inference node;
     * {@code beforeInference} runs on the vision step's result before the model is asked (here) or after (there).
     */
    private Future<Classification> classifyImage(byte[] image, String version, Actor actor,
                                                 java.util.function.Function<VisionResult, Future<Void>> beforeInference) {
        if (remote == null) {
            return onModel(version, model -> preprocess(image, model)
                    .compose(vision -> beforeInference.apply(vision).compose(v -> infer(vision, model))));
        }
        return remote.classify(image, version, actor.requestId()).compose(reply -> {
            metrics.preprocessed(reply.preprocessNanos());
            VisionResult vision = visionOf(reply);
            return beforeInference.apply(vision).map(v -> new Classification(vision, reply.prediction()));
        });
    }

    /** The vision step's findings as an inference node reported them (the network's input stayed there). */
    private static VisionResult visionOf(ClassifyReply reply) {
        if (!Sha256.hex(reply.stored()).equals(reply.sha256())) {
            // never store bytes under a digest they do not have
            throw new ServiceException(500, "an inference node answered with damaged image bytes");
        }
        return new VisionResult(reply.stored(), reply.sha256(), ImageFormat.ofContentType(reply.contentType()),
                reply.width(), reply.height(), new float[0], reply.notASlice(), reply.preprocessNanos(), reply.colourfulness());
    }

    /**
     * Bytes → OpenCV worker: checks, SHA-256, the model's input. The worker skips a job whose deadline passed, and
     * so answers every job: the request's own timeout (three times longer) is only a safety net, and an admission
     * is released when the worker is really done with the bytes.
     */
    private Future<VisionResult> preprocess(byte[] image, ServedModel model) {
        return vertx.eventBus().<VisionResult>request(Addresses.VISION_PREPROCESS,
                        new VisionJob(image, System.currentTimeMillis() + visionTimeoutMs, model.descriptor().preprocessing()),
                        new DeliveryOptions().setSendTimeout(3 * visionTimeoutMs))
                .recover(error -> Future.failedFuture(Services.asReplyFailure(error)))
                .map(reply -> {
                    metrics.preprocessed(reply.body().preprocessNanos());
                    return reply.body();
                });
    }

    /**
     * One classification on one model: a lease on it (the active one when {@code version} is null) is held from
     * before the preprocessing until the model answered, so a model switch meanwhile never mixes two models in
     * one answer, and the old model closes only after it.
     */
    private <T> Future<T> onModel(String version, java.util.function.Function<ServedModel, Future<T>> work) {
        return models.lease(version).compose(model -> {
            Future<T> done;
            try {
                done = work.apply(model);
            } catch (RuntimeException e) {
                done = Future.failedFuture(e);
            }
            return done.eventually(() -> {
                models.release(model);
                return Future.succeededFuture();
            });
        });
    }

    /** Model input → batcher → TensorFlow. */
    private Future<Classification> infer(VisionResult vision, ServedModel model) {
        return vertx.eventBus().<Prediction>request(Addresses.MODEL_INFER,
                        new InferenceJob(vision.pixels(), vision.colourfulness(), vision.notASlice(), model),
                        new DeliveryOptions().setSendTimeout(inferenceTimeoutMs))
                .recover(error -> Future.failedFuture(Services.asReplyFailure(error)))
                .map(prediction -> new Classification(vision, prediction.body()));
    }

    // ---- read --------------------------------------------------------------------------------------------

    private Future<JsonObject> get(JsonObject command) {
        Actor actor = actor(command);
        UUID id = id(command);
        return repository.findById(pool, id).map(found -> {
            MriRow row = found.orElseThrow(() -> noSuchRow(id));
            Decision decision = AccessPolicy.readMri(actor, row.hospital());
            if (!decision.allowed()) {
                throw deny(actor, "mri.read", id, decision);
            }
            accessed("mri.read", actor, row.id(), row.hospital());
            return row.toJson();
        });
    }

    /** The stored bytes, checked against their SHA-256 before they leave. */
    private void image(Message<JsonObject> message) {
        Actor actor = actor(message.body());
        UUID id;
        try {
            id = id(message.body());
        } catch (ServiceException e) {
            message.fail(e.status(), e.toWire());
            return;
        }
        repository.findImage(pool, id).compose(found -> {
            MriRepository.Image image = found.orElseThrow(() -> noSuchRow(id));
            Decision decision = AccessPolicy.readMri(actor, image.hospital());
            if (!decision.allowed()) {
                throw deny(actor, "mri.image", id, decision);
            }
            return checkIntegrity(image).map(intact -> {
                if (!intact) {
                    LOG.error("Integrity failure: the stored bytes of MRI {} no longer match their SHA-256", id);
                    throw new ServiceException(500, "the stored image failed its integrity check");
                }
                accessed("mri.image", actor, id, image.hospital());
                return new StoredImage(id.toString(), image.bytes(), image.contentType());
            });
        }).onSuccess(message::reply).onFailure(error -> {
            ServiceException failure = DbErrors.asServiceException(error);
            message.fail(failure.status(), failure.toWire());
        });
    }

    /** Hashing a few kilobytes costs microseconds; large images are hashed on a worker, off the event loop. */
    private Future<Boolean> checkIntegrity(MriRepository.Image image) {
        if (image.bytes().length < 256 * 1024) {
            return Future.succeededFuture(Sha256.hex(image.bytes()).equals(image.sha256()));
        }
        return vertx.executeBlocking(() -> Sha256.hex(image.bytes()).equals(image.sha256()), false);
    }

    private Future<JsonObject> list(JsonObject command) {
        Actor actor = actor(command);
        String label = command.getString("class");
        ListQuery query = new ListQuery(
                AccessPolicy.hospitalScope(actor).orElse(null),
                command.getString("hospital"), command.getString("gender"),
                "none".equals(label) ? null : label, "none".equals(label),
                command.getString("prediction"),
                Times.parseOrNull(command.getString("from"), "from"),
                Times.parseOrNull(command.getString("to"), "to"),
                Cursors.decode(command.getString("cursor")),
                Math.min(Math.max(1, command.getInteger("limit", 50)), pageSizeMax),
                command.getBoolean("unfamiliar"));
        // the counts cover all pages: computed with the first page, not again for each next one
        Future<JsonObject> summary = query.after() == null ? repository.summary(pool, query) : Future.succeededFuture(null);
        return Future.all(repository.page(pool, query), summary).map(both -> {
            List<MriRow> rows = both.resultAt(0);
            boolean more = rows.size() > query.limit();
            List<MriRow> page = more ? rows.subList(0, query.limit()) : rows;
            MriRow last = page.isEmpty() ? null : page.get(page.size() - 1);
            accessed("mri.list", actor, null, query.hospital());
            return new JsonObject()
                    .put("items", MriRepository.toJson(page))
                    .put("next_cursor", more ? Cursors.encode(last.createdAt(), last.id()) : null)
                    .put("summary", both.resultAt(1));
        });
    }

    // ---- change ------------------------------------------------------------------------------------------

    /**
     * PUT and PATCH: in one transaction, lock the row, check visibility and role, compare the If-Match tag with
     * the row's version (412 when stale), then write. Two clients can never silently overwrite each other.
     */
    private Future<JsonObject> update(JsonObject command) {
        Actor actor = actor(command);
        UUID id = id(command);
        String ifMatch = command.getString("if_match");
        if (ifMatch == null) {
            return Future.failedFuture(new ServiceException(428,
                    "changing a row needs an If-Match header with its ETag (read the row first)", "If-Match"));
        }
        JsonObject changes = command.getJsonObject("changes");
        return pool.withTransaction(tx -> repository.findByIdForUpdate(tx, id).compose(found -> {
                    MriRow row = found.orElseThrow(() -> noSuchRow(id));
                    String gender = changes.getString("gender", row.gender());
                    String hospital = changes.containsKey("hospital") ? hospital(changes.getString("hospital")) : row.hospital();
                    String label = changes.containsKey("class") ? changes.getString("class") : row.label();
                    Decision decision = AccessPolicy.changeMri(actor, row.hospital(), hospital);
                    if (!decision.allowed()) {
                        throw deny(actor, "mri.update", id, decision);
                    }
                    requireCurrent(ifMatch, row);
                    require(GENDERS, gender, "gender");
                    if (label != null) {
                        require(CLASSES, label, "class");
                    }
                    return repository.updateMetadata(tx, id, gender, label, hospital, changes.containsKey("class"),
                                    actor.userName())
                            .compose(updated -> audited(tx, "updated", actor, updated));
                }))
                // moved to a hospital that already stores these bytes
                .recover(error -> Future.failedFuture(DbErrors.isUniqueViolation(error, MriRepository.UNIQUE_IMAGE)
                        ? new ServiceException(409, "the target hospital already stores this image", "hospital") : error))
                .map(updated -> {
                    changed("updated", actor, updated);
                    return updated.toJson();
                });
    }

    /** A stale If-Match: 412 that says who moved the row on and when, so the client can tell its user. */
    private static void requireCurrent(String ifMatch, MriRow row) {
        try {
            EntityTags.requireCurrent(ifMatch, row.version());
        } catch (ServiceException stale) {
            String by = row.updatedBy() == null ? "" : " by " + row.updatedBy();
            throw new ServiceException(412, "the row has changed since that ETag was read: it was changed" + by + " at "
                    + java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(row.updatedAt()) + " and is now at "
                    + row.etag() + "; read it again and retry", "If-Match");
        }
    }

    private Future<JsonObject> delete(JsonObject command) {
        Actor actor = actor(command);
        UUID id = id(command);
        String ifMatch = command.getString("if_match");
        return pool.withTransaction(tx -> repository.findByIdForUpdate(tx, id).compose(found -> {
                    MriRow row = found.orElseThrow(() -> noSuchRow(id));
                    Decision decision = AccessPolicy.deleteMri(actor, row.hospital());
                    if (!decision.allowed()) {
                        throw deny(actor, "mri.delete", id, decision);
                    }
                    if (ifMatch != null) {
                        EntityTags.requireCurrent(ifMatch, row.version());
                    }
                    return repository.delete(tx, id).compose(v -> audited(tx, "deleted", actor, row));
                }))
                .compose(deleted -> released(deleted.imageSha256()).map(deleted))
                .map(deleted -> {
                    changed("deleted", actor, deleted);
                    return new JsonObject().put("id", id.toString());
                });
    }

    /** Runs the active model (or the version named) again on the stored bytes and records its answer. */
    private Future<JsonObject> classify(JsonObject command) {
        Actor actor = actor(command);
        UUID id = id(command);
        String version = command.getString("model_version");
        if (version != null && !actor.isAdmin()) {
            // naming a version may load a model that is not served: a cost only admins may cause
            deny(actor, "mri.classify", id, Decision.forbidden("only admins classify with a model other than the active one"));
            return Future.failedFuture(new ServiceException(403, "only admins classify with a model other than the active one", "model_version"));
        }
        return repository.findImage(pool, id)
                .compose(found -> {
                    MriRepository.Image image = found.orElseThrow(() -> noSuchRow(id));
                    Decision decision = AccessPolicy.classifyMri(actor, image.hospital());
                    if (!decision.allowed()) {
                        throw deny(actor, "mri.classify", id, decision);
                    }
                    return admissions.admit(actor, image.bytes().length, () -> classifyImage(image.bytes(), version, actor,
                            vision -> Future.<Void>succeededFuture()));
                })
                .compose(outcome -> pool.withTransaction(tx -> repository.findByIdForUpdate(tx, id).compose(found -> {
                    // the row may have moved hospital while the model ran
                    MriRow row = found.orElseThrow(() -> noSuchRow(id));
                    Decision decision = AccessPolicy.classifyMri(actor, row.hospital());
                    if (!decision.allowed()) {
                        throw deny(actor, "mri.classify", id, decision);
                    }
                    return repository.updatePrediction(tx, id, outcome.prediction().label(),
                            outcome.prediction().probability(), outcome.prediction().modelVersion(),
                            outcome.prediction().unfamiliar(), scoreOrNull(outcome.prediction()), actor.userName())
                            .compose(updated -> audited(tx, "reclassified", actor, updated));
                })))
                .map(row -> {
                    classified(row);
                    changed("reclassified", actor, row);
                    return row.toJson();
                });
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** 1 to 100 printable characters once trimmed. */
    static String hospital(String raw) {
        String hospital = raw == null ? "" : raw.strip();
        if (!HOSPITAL.matcher(hospital).matches()) {
            throw ServiceException.badRequest("hospital", "is required: 1 to 100 printable characters");
        }
        return hospital;
    }

    private static void require(Set<String> allowed, String value, String field) {
        if (value == null || !allowed.contains(value)) {
            throw ServiceException.badRequest(field, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
    }

    private static Actor actor(JsonObject command) {
        return Actor.fromJson(command.getJsonObject("actor"));
    }

    private static UUID id(JsonObject command) {
        try {
            return UUID.fromString(command.getString("id"));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ServiceException.badRequest("id", "must be a UUID");
        }
    }

    private static ServiceException noSuchRow(UUID id) {
        return ServiceException.notFound("no MRI row " + id);
    }

    private ServiceException deny(Actor actor, String action, UUID id, Decision decision) {
        boolean hidden = decision.kind() == Decision.Kind.HIDDEN;
        vertx.eventBus().publish(Addresses.SECURITY_EVENTS_DENIED, new JsonObject()
                .put("actor", actor.toJson()).put("action", action)
                .put("target_type", "mri").put("target_id", id == null ? null : id.toString())
                .put("status", hidden ? 404 : 403).put("reason", decision.reason()).put("at", Instant.now().toString()));
        return hidden ? noSuchRow(id) : ServiceException.forbidden(decision.reason());
    }

    /**
     * The image store drops bytes no committed row references. A failure here only leaves an unreferenced object
     * for the next start's sweep: it is logged, never the answer's failure.
     */
    private Future<Void> released(String sha256) {
        return images.release(pool, sha256).recover(error -> {
            LOG.warn("Releasing stored image {} failed (the next start's sweep removes it): {}", sha256, error.getMessage());
            return Future.succeededFuture();
        });
    }

    private static Float scoreOrNull(Prediction prediction) {
        double score = prediction.unfamiliarScore();
        return Double.isNaN(score) || Double.isInfinite(score) ? null : (float) score;
    }

    private void classified(MriRow row) {
        vertx.eventBus().publish(Addresses.MRI_EVENTS_CLASSIFIED, new JsonObject()
                .put("id", row.id().toString()).put("hospital", row.hospital())
                .put("prediction", row.prediction()).put("probability", MriRow.rounded(row.probability()))
                .put("unfamiliar", row.unfamiliar())
                .put("model_version", row.modelVersion()).put("at", Instant.now().toString()));
    }

    /** Published after the commit; its audit row was written in the transaction ({@link #audited}). */
    private void changed(String action, Actor actor, MriRow row) {
        vertx.eventBus().publish(Addresses.MRI_EVENTS_CHANGED, changeEvent(action, actor, row));
    }

    /** The change's audit row, in the change's transaction: both commit or neither. */
    private static Future<MriRow> audited(SqlConnection tx, String action, Actor actor, MriRow row) {
        return AuditTrail.mriChanged(tx, changeEvent(action, actor, row)).map(v -> row);
    }

    private static JsonObject changeEvent(String action, Actor actor, MriRow row) {
        return new JsonObject()
                .put("action", action).put("id", row.id().toString()).put("hospital", row.hospital())
                .put("version", row.version()).put("actor", actor.toJson()).put("at", Instant.now().toString());
    }

    private void accessed(String action, Actor actor, UUID id, String hospital) {
        vertx.eventBus().publish(Addresses.MRI_EVENTS_ACCESSED, new JsonObject()
                .put("action", action).put("id", id == null ? null : id.toString()).put("hospital", hospital)
                .put("actor", actor.toJson()).put("at", Instant.now().toString()));
    }
}
