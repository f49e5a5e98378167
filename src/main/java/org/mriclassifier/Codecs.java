package org.mriclassifier;

import io.vertx.core.eventbus.EventBus;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.mriclassifier.bus.LocalCodec;
import org.mriclassifier.bus.WireCodec;
import org.mriclassifier.inference.BatchJob;
import org.mriclassifier.inference.BatchResult;
import org.mriclassifier.inference.Heatmap;
import org.mriclassifier.inference.HeatmapJob;
import org.mriclassifier.inference.InferenceCodecs;
import org.mriclassifier.inference.InferenceJob;
import org.mriclassifier.models.ModelUpload;
import org.mriclassifier.mri.StoredImage;
import org.mriclassifier.mri.UploadCommand;
import org.mriclassifier.vision.VisionJob;
import org.mriclassifier.vision.VisionResult;

/**
 * The payload types that cross the event bus as objects, each with its one codec, registered here (the composition
 * root) before any consumer, so that {@code bus} knows no domain type. Local-only types hold this process's objects
 * (a model lease, a pixel array for the batcher) and are only ever sent to local consumers; the wire types are what
 * an api node and an inference node exchange.
 */
public final class Codecs {

    static final List<Class<?>> LOCAL_TYPES = List.of(UploadCommand.class, VisionJob.class, VisionResult.class,
            InferenceJob.class, BatchJob.class, BatchResult.class, StoredImage.class, Heatmap.class,
            HeatmapJob.class, ModelUpload.class);

    private static final Map<EventBus, Boolean> REGISTERED = new WeakHashMap<>();

    private Codecs() {
    }

    /** Registers each codec once per event bus (tests start several servers on one Vert.x). */
    public static synchronized void register(EventBus bus) {
        if (REGISTERED.put(bus, Boolean.TRUE) != null) {
            return;
        }
        for (Class<?> type : LOCAL_TYPES) {
            registerLocal(bus, type);
        }
        for (WireCodec<?> codec : InferenceCodecs.all()) {
            registerWire(bus, codec);
        }
    }

    private static <T> void registerLocal(EventBus bus, Class<T> type) {
        bus.registerDefaultCodec(type, new LocalCodec<>(type));
    }

    private static <T> void registerWire(EventBus bus, WireCodec<T> codec) {
        bus.registerDefaultCodec(codec.type(), codec);
    }
}
