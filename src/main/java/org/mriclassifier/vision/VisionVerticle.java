package org.mriclassifier.vision;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenCV worker (deployed as a worker verticle, {@code vision.instances} instances): answers
 * {@code mri.vision.preprocess} with the model's input for one image. Checks the bytes first (format by magic
 * bytes, declared dimensions, completeness), then decodes and runs the preprocessing the model it is for was
 * trained with. Native memory is released on every path inside {@link Preprocessor}.
 */
public final class VisionVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(VisionVerticle.class);

    private final Supplier<PreprocessSpec> activeSpec;
    private long maxPixels;
    private int maxSide;
    private long maxDecodedBytes;

    /** @param activeSpec the active model's preprocessing, for jobs that name none */
    public VisionVerticle(Supplier<PreprocessSpec> activeSpec) {
        this.activeSpec = activeSpec;
    }

    @Override
    public Future<?> start() {
        JsonObject vision = config().getJsonObject("vision", new JsonObject());
        maxPixels = vision.getLong("max_pixels", 16_777_216L);
        maxSide = vision.getInteger("max_side", 8192);
        maxDecodedBytes = vision.getLong("max_decoded_bytes", 64L << 20);
        OpenCvLoader.ensureLoaded();
        return vertx.eventBus().<VisionJob>localConsumer(Addresses.VISION_PREPROCESS, this::preprocess).completion();
    }

    private void preprocess(Message<VisionJob> message) {
        long start = System.nanoTime();
        if (System.currentTimeMillis() > message.body().deadlineMillis()) {
            // queued too long behind other images: the answer would be too late, spend nothing on it
            message.fail(503, ServiceException.retryLater(503, "the image workers are at capacity; try again shortly", 1).toWire());
            return;
        }
        try {
            byte[] bytes = message.body().bytes();
            ImageHeader.Facts facts = ImageHeader.inspect(bytes, maxPixels, maxSide, maxDecodedBytes);
            // what is stored, hashed and served back: the original bytes, with their metadata, are never kept
            byte[] stripped = MetadataStripper.strip(bytes);
            PreprocessSpec spec = message.body().spec() != null ? message.body().spec() : activeSpec.get();
            Preprocessed result = Preprocessor.preprocessForServing(stripped, facts.format(), facts.width(), facts.height(), spec);
            message.reply(new VisionResult(stripped, Sha256.hex(stripped), facts.format(), facts.width(), facts.height(),
                    result.pixels(), result.notASlice(), System.nanoTime() - start, result.colourfulness()));
        } catch (ImageHeader.Rejected e) {
            message.fail(e.status(), new ServiceException(e.status(), e.getMessage(), "file").toWire());
        } catch (MetadataStripper.MalformedImage e) {
            message.fail(422, new ServiceException(422, "the image cannot be decoded (corrupt or truncated): "
                    + e.getMessage(), "file").toWire());
        } catch (ImageDecodeException e) {
            message.fail(422, new ServiceException(422, "the image cannot be decoded (corrupt or truncated)", "file").toWire());
        } catch (RuntimeException e) {
            // OpenCV raises CvException for images its decoders refuse after the header checks passed
            LOG.warn("Preprocessing failed: {}", e.toString());
            message.fail(422, new ServiceException(422, "the image cannot be processed", "file").toWire());
        }
    }
}
