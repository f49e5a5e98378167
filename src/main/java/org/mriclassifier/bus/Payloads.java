package org.mriclassifier.bus;

import io.vertx.core.eventbus.EventBus;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.mriclassifier.inference.BatchJob;
import org.mriclassifier.inference.BatchResult;
import org.mriclassifier.inference.Heatmap;
import org.mriclassifier.inference.HeatmapJob;
import org.mriclassifier.inference.InferenceJob;
import org.mriclassifier.inference.Prediction;
import org.mriclassifier.models.ModelUpload;
import org.mriclassifier.mri.StoredImage;
import org.mriclassifier.mri.UploadCommand;
import org.mriclassifier.vision.VisionJob;
import org.mriclassifier.vision.VisionResult;

/** The payload types that cross the event bus as objects, each with its one codec, registered before any consumer. */
public final class Payloads {

    static final List<Class<?>> TYPES = List.of(UploadCommand.class, VisionJob.class, VisionResult.class,
            InferenceJob.class, Prediction.class, BatchJob.class, BatchResult.class, StoredImage.class, Heatmap.class,
            HeatmapJob.class, ModelUpload.class);

    private static final Map<EventBus, Boolean> REGISTERED = new WeakHashMap<>();

    private Payloads() {
    }

    /** Registers each codec once per event bus (tests start several servers on one Vert.x). */
    public static synchronized void register(EventBus bus) {
        if (REGISTERED.put(bus, Boolean.TRUE) != null) {
            return;
        }
        for (Class<?> type : TYPES) {
            registerOne(bus, type);
        }
    }

    private static <T> void registerOne(EventBus bus, Class<T> type) {
        bus.registerDefaultCodec(type, new LocalCodec<>(type));
    }
}
