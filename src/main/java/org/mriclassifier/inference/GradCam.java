package org.mriclassifier.inference;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * Grad-CAM (Selvaraju et al., 2017) on a loaded SavedModel: the gradient of the tumor logit with respect to the last
 * convolutional block's activation A (shape [1, h, w, c]), averaged over h and w into one weight per channel, and
 * ReLU(sum over c of weight x A): where the network found evidence for a tumor.
 *
 * <p>A SavedModel's signature gives neither the feature map nor gradients, so the gradient ops are added to the
 * serving session's own graph once, at load, before any call ({@link Graph#addGradients}: TensorFlow's C++ gradient
 * registry, the one training uses). The feature map is the op {@value #FEATURE_MAP} when the graph has it (models
 * trained from this version on name it), otherwise the ReLU with a spatial output nearest the logit, which is the
 * last block's activation in every architecture here (bncnn, lite, seed) and in the shipped model version 3.
 */
public final class GradCam {

    /** The name `train` gives the last convolutional block's activation. */
    public static final String FEATURE_MAP = "feature_map";
    private static final String PREFIX = "gradcam";

    private final Session session;
    private final Output<?> input;
    private final Output<?> featureMap;
    private final Output<?> gradient;
    private final int height;
    private final int width;
    private final int channels;

    private GradCam(Session session, Output<?> input, Output<?> featureMap, Output<?> gradient) {
        this.session = session;
        this.input = input;
        this.featureMap = featureMap;
        this.gradient = gradient;
        this.height = (int) featureMap.shape().get(1);
        this.width = (int) featureMap.shape().get(2);
        this.channels = (int) featureMap.shape().get(3);
    }

    /** One map: {@code values} row-major, {@code height x width}, zero or more (ReLU), unscaled. */
    public record Map2d(float[] values, int height, int width) {
    }

    /**
     * Adds the gradient ops to the bundle's graph. Empty when the graph has no logit or no spatial ReLU to weigh: the
     * model still classifies, it just draws no heat map.
     */
    static Optional<GradCam> attach(SavedModelBundle bundle, Signature signature, ModelDescriptor descriptor) {
        Graph graph = bundle.graph();
        Output<?> input = graph.output(signature.getInputs().get(descriptor.input().name()).name);
        Optional<Output<?>> logit = logit(graph, signature, descriptor);
        if (logit.isEmpty()) {
            return Optional.empty();
        }
        // the named op is an Identity beside the path to the logit: the gradient flows through its input
        Optional<Output<?>> featureMap = Optional.ofNullable(graph.operation(FEATURE_MAP))
                .<Output<?>>map(op -> "Identity".equals(op.type()) ? op.input(0) : op.output(0))
                .or(() -> nearestSpatialRelu(logit.get()));
        if (featureMap.isEmpty()) {
            return Optional.empty();
        }
        String prefix = PREFIX;
        for (int n = 1; graph.operation(prefix) != null || hasPrefix(graph, prefix); n++) {
            prefix = PREFIX + "_" + n;
        }
        Output<?>[] gradients = graph.addGradients(prefix, new Output<?>[] {logit.get()}, new Output<?>[] {featureMap.get()}, null);
        return Optional.of(new GradCam(bundle.session(), input, featureMap.get(), gradients[0]));
    }

    private static boolean hasPrefix(Graph graph, String prefix) {
        var operations = graph.operations();
        while (operations.hasNext()) {
            if (operations.next().name().startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    /** The logit output when the graph names it, else the input of the probability's sigmoid. */
    private static Optional<Output<?>> logit(Graph graph, Signature signature, ModelDescriptor descriptor) {
        if (descriptor.logit() != null && signature.getOutputs().containsKey(descriptor.logit().name())) {
            return Optional.of(graph.output(signature.getOutputs().get(descriptor.logit().name()).name));
        }
        Output<?> probability = graph.output(signature.getOutputs().get(descriptor.output().name()).name);
        GraphOperation op = (GraphOperation) probability.op();
        if ("Sigmoid".equals(op.type()) && op.numInputs() == 1) {
            return Optional.of(op.input(0));
        }
        return Optional.empty();
    }

    /** Breadth-first from the logit towards the input: the first ReLU whose output is [batch, h, w, c] with h, w > 1. */
    private static Optional<Output<?>> nearestSpatialRelu(Output<?> logit) {
        Deque<GraphOperation> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        queue.add((GraphOperation) logit.op());
        while (!queue.isEmpty()) {
            GraphOperation op = queue.poll();
            if (!seen.add(op.name())) {
                continue;
            }
            if ("Relu".equals(op.type())) {
                Output<?> out = op.output(0);
                Shape shape = out.shape();
                if (out.dataType() == DataType.DT_FLOAT && shape.numDimensions() == 4 && shape.get(1) > 1 && shape.get(2) > 1 && shape.get(3) > 0) {
                    return Optional.of(out);
                }
            }
            for (int i = 0; i < op.numInputs(); i++) {
                queue.add((GraphOperation) op.input(i).op());
            }
        }
        return Optional.empty();
    }

    public int mapHeight() {
        return height;
    }

    public int mapWidth() {
        return width;
    }

    /** The map of one preprocessed image (NHWC floats of one image). Blocking: a worker thread's call. */
    public Map2d compute(float[] pixels, Shape imageShape) {
        try (TFloat32 image = TFloat32.tensorOf(imageShape, DataBuffers.of(pixels, true, false));
             Result result = session.runner().feed(input, image).fetch(featureMap).fetch(gradient).run()) {
            float[] activation = read((TFloat32) result.get(0));
            float[] grads = read((TFloat32) result.get(1));
            if (activation.length != height * width * channels || grads.length != activation.length) {
                throw new InvalidPredictionException("the feature map has " + activation.length + " values, expected " + height * width * channels);
            }
            return new Map2d(weigh(activation, grads, height, width, channels), height, width);
        }
    }

    /** Grad-CAM from one image's activation and gradient, both [h, w, c] row-major. */
    static float[] weigh(float[] activation, float[] grads, int height, int width, int channels) {
        double[] weights = new double[channels];
        int cells = height * width;
        for (int cell = 0; cell < cells; cell++) {
            for (int c = 0; c < channels; c++) {
                weights[c] += grads[cell * channels + c];
            }
        }
        float[] map = new float[cells];
        for (int cell = 0; cell < cells; cell++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += weights[c] / cells * activation[cell * channels + c];
            }
            if (Double.isNaN(sum)) {
                throw new InvalidPredictionException("the heat map is not a number");
            }
            map[cell] = (float) Math.max(0, sum);
        }
        return map;
    }

    private static float[] read(TFloat32 tensor) {
        float[] values = new float[(int) tensor.shape().size()];
        tensor.asRawTensor().data().asFloats().read(values);
        return values;
    }
}
