package org.mriclassifier.inference;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.vision.ImageDecodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws heat maps (a worker verticle: OpenCV and the TensorFlow session call block its thread), on the model the job
 * names, which it shares with the runners; a heat map is one image's forward and backward pass, so it does not go
 * through the batcher. The job's lease on the model is given back here, after the drawing, whatever its outcome.
 */
public final class HeatmapRunner extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(HeatmapRunner.class);

    private final ServingModels models;

    public HeatmapRunner(ServingModels models) {
        this.models = models;
    }

    @Override
    public Future<?> start() {
        return vertx.eventBus().<HeatmapJob>localConsumer(Addresses.MODEL_HEATMAP, this::draw).completion();
    }

    private void draw(Message<HeatmapJob> message) {
        try {
            drawOn(message);
        } finally {
            models.release(message.body().model());
        }
    }

    private void drawOn(Message<HeatmapJob> message) {
        Classifier classifier = message.body().model().classifier();
        HeatmapJob job = message.body();
        GradCam gradCam = classifier.gradCam().orElse(null);
        if (gradCam == null) {
            message.fail(501, new ServiceException(501, "model " + classifier.descriptor().version()
                    + " has no feature map to draw a heat map from").toWire());
            return;
        }
        try {
            message.reply(HeatmapRenderer.render(classifier, gradCam, job.bytes()));
        } catch (ImageDecodeException e) {
            message.fail(422, new ServiceException(422, "the stored image cannot be decoded").toWire());
        } catch (RuntimeException e) {
            LOG.error("Heat map of MRI {} failed: {}", job.id(), e.toString());
            message.fail(500, new ServiceException(500, "the heat map could not be drawn").toWire());
        }
    }
}
