package org.mriclassifier.mri;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.training.ImageFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads labelled image files into the data set through the same path as an upload ({@code mri.upload}: checks,
 * OpenCV, model, one transaction per image). An image already stored for the hospital (same SHA-256) is skipped,
 * so running an import twice adds nothing the second time.
 */
public final class Importer {

    private static final Logger LOG = LoggerFactory.getLogger(Importer.class);

    /** What an import did. */
    public record Summary(int imported, int duplicates, int rejected, int failed, List<String> problems) {

        public JsonObject toJson() {
            return new JsonObject().put("imported", imported).put("duplicates", duplicates)
                    .put("rejected", rejected).put("failed", failed);
        }
    }

    private final Vertx vertx;
    private final Actor actor;

    public Importer(Vertx vertx) {
        this.vertx = vertx;
        this.actor = Actor.system("import");
    }

    /** Imports the files with at most {@code concurrency} in flight; never fails as a whole. */
    public Future<Summary> run(List<ImageFile> files, String hospital, String gender, int concurrency) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger imported = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<String> problems = new ArrayList<>();
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < Math.max(1, concurrency); lane++) {
            lanes.add(lane(files, next, file -> importOne(file, hospital, gender).map(outcome -> {
                switch (outcome.status()) {
                    case 201 -> imported.incrementAndGet();
                    case 409 -> duplicates.incrementAndGet();
                    default -> {
                        (outcome.status() >= 500 ? failed : rejected).incrementAndGet();
                        synchronized (problems) {
                            problems.add(file.path() + ": " + outcome.detail());
                        }
                    }
                }
                int done = imported.get() + duplicates.get() + rejected.get() + failed.get();
                if (done % 100 == 0) {
                    LOG.info("Imported {} of {} ({} already there)", done, files.size(), duplicates.get());
                }
                return null;
            })));
        }
        return Future.join(lanes).transform(ignored -> Future.succeededFuture(
                new Summary(imported.get(), duplicates.get(), rejected.get(), failed.get(), problems)));
    }

    private record Outcome(int status, String detail) {
    }

    private Future<Void> lane(List<ImageFile> files, AtomicInteger next,
                              java.util.function.Function<ImageFile, Future<Void>> work) {
        int index = next.getAndIncrement();
        if (index >= files.size()) {
            return Future.succeededFuture();
        }
        return work.apply(files.get(index)).compose(v -> lane(files, next, work));
    }

    private Future<Outcome> importOne(ImageFile file, String hospital, String gender) {
        String label = file.label().name().toLowerCase(Locale.ROOT);
        return vertx.fileSystem().readFile(file.path().toString())
                .compose(bytes -> vertx.eventBus().<JsonObject>request(Addresses.MRI_UPLOAD,
                        new UploadCommand(actor, bytes.getBytes(), gender, hospital, label),
                        new DeliveryOptions().setSendTimeout(60_000)))
                .map(reply -> new Outcome(201, null))
                .otherwise(error -> {
                    ServiceException failure = error instanceof ServiceException se ? se : Services.asReplyFailure(error);
                    return new Outcome(failure.status(), failure.detail());
                });
    }
}
