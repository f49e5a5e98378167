package org.mriclassifier.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * A loaded model: SavedModel plus model.json. Thread-safe: concurrent callers share one TensorFlow session, which
 * runs calls in parallel. Every tensor, inputs and outputs, is closed before a call returns.
 */
public final class Classifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Classifier.class);

    private final SavedModelBundle bundle;
    private final SessionFunction function;
    private final ModelDescriptor descriptor;
    private final UnfamiliarDetector detector;
    private final GradCam gradCam;

    private Classifier(SavedModelBundle bundle, SessionFunction function, ModelDescriptor descriptor, UnfamiliarDetector detector,
                       GradCam gradCam) {
        this.bundle = bundle;
        this.function = function;
        this.descriptor = descriptor;
        this.detector = detector;
        this.gradCam = gradCam;
    }

    /**
     * A batch's answers.
     *
     * @param probabilities    calibrated tumor probabilities
     * @param unfamiliarScores the embedding's distance to the training classes, NaN when the model has no detector
     */
    public record Scores(float[] probabilities, double[] unfamiliarScores) {
    }

    /** Loads with TensorFlow's default thread pools (all cores). */
    public static Classifier load(Path modelDir) {
        return load(modelDir, 0, 0);
    }

    /**
     * @param intraOpThreads threads one operation may use (0 = TensorFlow's default, all cores)
     * @param interOpThreads operations run side by side (0 = TensorFlow's default)
     * @throws ModelLoadException when the folder is not a servable model
     */
    public static Classifier load(Path modelDir, int intraOpThreads, int interOpThreads) {
        // the native library loads once per JVM (about a second); the logged load time is the model's own
        TensorFlow.version();
        long start = System.nanoTime();
        ModelDescriptor descriptor = readDescriptor(modelDir);
        if (!ModelChecksums.verify(modelDir)) {
            LOG.warn("{} has no {}: its weights cannot be checked for a partial or altered copy", modelDir, ModelChecksums.FILE_NAME);
        }
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(interOpThreads)
                .build();
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.loader(modelDir.toString()).withTags(SavedModelBundle.DEFAULT_TAG).withConfigProto(config).load();
        } catch (RuntimeException e) {
            throw new ModelLoadException("cannot load the SavedModel in " + modelDir + ": " + e.getMessage(), e);
        }
        try {
            SessionFunction function = bundle.function(descriptor.signatureKey());
            Signature signature = function.signature();
            if (!signature.inputNames().contains(descriptor.input().name()) || !signature.outputNames().contains(descriptor.output().name())) {
                throw new ModelLoadException("signature " + signature.key() + " has inputs " + signature.inputNames()
                        + " and outputs " + signature.outputNames() + ", model.json expects " + descriptor.input().name()
                        + " -> " + descriptor.output().name());
            }
            for (ModelDescriptor.TensorSpec extra : java.util.Arrays.asList(descriptor.logit(), descriptor.embedding())) {
                if (extra != null && !signature.outputNames().contains(extra.name())) {
                    throw new ModelLoadException("signature " + signature.key() + " has no output " + extra.name() + ", which model.json names");
                }
            }
            UnfamiliarDetector detector = null;
            if (descriptor.unfamiliar() != null) {
                try {
                    detector = UnfamiliarDetector.load(modelDir, descriptor.unfamiliar());
                } catch (IOException | RuntimeException e) {
                    throw new ModelLoadException("cannot read the unfamiliar detector " + descriptor.unfamiliar().file() + ": " + e.getMessage(), e);
                }
                if (descriptor.embedding().shape().size() != 2 || descriptor.embedding().shape().get(1) != detector.dimensions()) {
                    throw new ModelLoadException("the unfamiliar detector measures " + detector.dimensions() + " values, the embedding is "
                            + descriptor.embedding().shape());
                }
            }
            GradCam gradCam = attachGradCam(bundle, signature, descriptor);
            LOG.info("Loaded model {} {} ({}) from {} in {} ms", descriptor.name(), descriptor.version(),
                    descriptor.architecture(), modelDir, (System.nanoTime() - start) / 1_000_000);
            return new Classifier(bundle, function, descriptor, detector, gradCam);
        } catch (RuntimeException e) {
            bundle.close();
            throw e instanceof ModelLoadException m ? m : new ModelLoadException("model in " + modelDir + " is unusable: " + e.getMessage(), e);
        }
    }

    /** The gradient ops go into the graph now, before any session call: a heat map never changes the graph under a running call. */
    private static GradCam attachGradCam(SavedModelBundle bundle, Signature signature, ModelDescriptor descriptor) {
        try {
            GradCam gradCam = GradCam.attach(bundle, signature, descriptor).orElse(null);
            if (gradCam == null) {
                LOG.warn("Model {} {} has no logit or spatial feature map to weigh: no heat maps", descriptor.name(), descriptor.version());
            } else {
                LOG.info("Grad-CAM on a {}x{} feature map", gradCam.mapHeight(), gradCam.mapWidth());
            }
            return gradCam;
        } catch (RuntimeException e) {
            LOG.warn("Model {} {}: cannot build the Grad-CAM gradient ({}): no heat maps", descriptor.name(), descriptor.version(), e.toString());
            return null;
        }
    }

    private static ModelDescriptor readDescriptor(Path modelDir) {
        if (!Files.isRegularFile(modelDir.resolve(ModelDescriptor.FILE_NAME))) {
            throw new ModelLoadException("no " + ModelDescriptor.FILE_NAME + " in " + modelDir);
        }
        try {
            ModelDescriptor descriptor = ModelDescriptors.read(modelDir);
            descriptor.validate();
            return descriptor;
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelLoadException("cannot read " + modelDir.resolve(ModelDescriptor.FILE_NAME) + ": " + e.getMessage(), e);
        }
    }

    public ModelDescriptor descriptor() {
        return descriptor;
    }

    /** The serving signature the model is called through (tensor names, types, shapes). */
    public Signature signature() {
        return function.signature();
    }

    /**
     * Tumor probabilities for a batch.
     *
     * @param batchPixels {@code batchSize} preprocessed images, flattened NHWC, laid end to end
     * @param batchSize   number of images (the model's batch dimension is dynamic)
     * @throws InvalidPredictionException when an output is NaN or outside [0,1]
     */
    public float[] predict(float[] batchPixels, int batchSize) {
        return score(batchPixels, batchSize).probabilities();
    }

    /** Grad-CAM on this model, empty when its graph has nothing to weigh. */
    public java.util.Optional<GradCam> gradCam() {
        return java.util.Optional.ofNullable(gradCam);
    }

    /** True when the model flags images far from its training data by their embedding. */
    public boolean hasUnfamiliarDetector() {
        return detector != null;
    }

    /** The detector's threshold on the score, NaN without one. */
    public double unfamiliarThreshold() {
        return detector == null ? Double.NaN : detector.threshold();
    }

    /**
     * Calibrated probabilities and unfamiliar scores for a batch.
     *
     * @throws InvalidPredictionException when an output is NaN or outside its range
     */
    public Scores score(float[] batchPixels, int batchSize) {
        int perImage = descriptor.preprocessing().pixelsPerImage();
        if (batchSize < 1 || batchPixels.length != (long) batchSize * perImage) {
            throw new IllegalArgumentException("expected " + batchSize + " x " + perImage + " floats, got " + batchPixels.length);
        }
        int size = descriptor.preprocessing().outputSize();
        Shape shape = Shape.of(batchSize, size, size, descriptor.preprocessing().channels());
        try (TFloat32 input = TFloat32.tensorOf(shape, DataBuffers.of(batchPixels, true, false));
             Result result = function.call(Map.of(descriptor.input().name(), input))) {
            float[] probabilities;
            ModelDescriptor.Calibration calibration = descriptor.calibration();
            if (calibration != null) {
                float[] logits = floats(result, descriptor.logit().name(), batchSize);
                probabilities = new float[batchSize];
                for (int i = 0; i < batchSize; i++) {
                    if (Float.isNaN(logits[i])) {
                        throw new InvalidPredictionException("the model produced a NaN logit");
                    }
                    double z = logits[i] / calibration.temperature();
                    probabilities[i] = (float) (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
                }
            } else {
                Tensor output = result.get(descriptor.output().name())
                        .orElseThrow(() -> new InvalidPredictionException("the model returned no " + descriptor.output().name()));
                probabilities = probabilities((TFloat32) output, batchSize);
            }
            double[] unfamiliar = new double[batchSize];
            if (detector == null) {
                java.util.Arrays.fill(unfamiliar, Double.NaN);
            } else {
                int d = detector.dimensions();
                float[] embeddings = floats(result, descriptor.embedding().name(), batchSize * d);
                for (int i = 0; i < batchSize; i++) {
                    unfamiliar[i] = detector.score(embeddings, i * d);
                }
            }
            return new Scores(probabilities, unfamiliar);
        }
    }

    private static float[] floats(Result result, String name, int expected) {
        Tensor tensor = result.get(name).orElseThrow(() -> new InvalidPredictionException("the model returned no " + name));
        if (tensor.shape().size() != expected) {
            throw new InvalidPredictionException("expected " + expected + " values of " + name + ", got shape " + tensor.shape());
        }
        float[] values = new float[expected];
        ((TFloat32) tensor).asRawTensor().data().asFloats().read(values);
        return values;
    }

    private static float[] probabilities(TFloat32 output, int batchSize) {
        if (output.shape().size() != batchSize) {
            throw new InvalidPredictionException("expected " + batchSize + " outputs, got shape " + output.shape());
        }
        float[] values = new float[batchSize];
        output.asRawTensor().data().asFloats().read(values);
        for (float value : values) {
            if (Float.isNaN(value) || value < 0f || value > 1f) {
                throw new InvalidPredictionException("the model produced " + value + ", not a probability");
            }
        }
        return values;
    }

    @Override
    public void close() {
        bundle.close();
    }
}
