package org.mriclassifier.training;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mriclassifier.vision.PreprocessSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * One graph holding the network, its loss and its Adam step. The serving signature maps {@value #INPUT} (images,
 * batch dimension dynamic) to {@value #OUTPUT} (tumor probabilities); the training flag defaults to serving mode.
 */
public final class TrainingGraph implements AutoCloseable {

    public static final String INPUT = "image";
    public static final String OUTPUT = "probability";
    /** The tumor logit before the sigmoid: what temperature scaling divides. */
    public static final String LOGIT = "logit";
    /** The penultimate features: what the unfamiliar-input detector measures. */
    public static final String EMBEDDING = "embedding";
    public static final String LABEL = "label";
    public static final String TRAINING_FLAG = "training";
    public static final String SIGNATURE_KEY = "serving_default";
    static final double FINE_TUNE_RATE_FACTOR = 0.1;

    private final Graph graph;
    private final Placeholder<TFloat32> images;
    private final Placeholder<TFloat32> labels;
    private final Operand<TFloat32> training;
    private final Operand<TFloat32> probability;
    private final Operand<TFloat32> logit;
    private final Operand<TFloat32> embedding;
    private final long multiplyAdds;
    private final Operand<TFloat32> loss;
    private final Op trainStep;
    private final Op fineTuneStep;
    private final List<Op> statisticUpdates;
    private final Operand<TFloat32> statisticsKeep;

    private TrainingGraph(Graph graph, Placeholder<TFloat32> images, Placeholder<TFloat32> labels, Operand<TFloat32> training,
                          Operand<TFloat32> probability, Operand<TFloat32> logit, Operand<TFloat32> embedding, long multiplyAdds,
                          Operand<TFloat32> loss, Op trainStep, Op fineTuneStep, List<Op> statisticUpdates,
                          Operand<TFloat32> statisticsKeep) {
        this.graph = graph;
        this.images = images;
        this.labels = labels;
        this.training = training;
        this.probability = probability;
        this.logit = logit;
        this.embedding = embedding;
        this.multiplyAdds = multiplyAdds;
        this.loss = loss;
        this.trainStep = trainStep;
        this.fineTuneStep = fineTuneStep;
        this.statisticUpdates = statisticUpdates;
        this.statisticsKeep = statisticsKeep;
    }

    public static TrainingGraph build(Architecture architecture, PreprocessSpec spec, HyperParameters hyper) {
        if (spec.outputSize() < architecture.minimumInputSize()) {
            throw new IllegalArgumentException(architecture.name() + " needs an input of at least "
                    + architecture.minimumInputSize() + " pixels, the spec gives " + spec.outputSize());
        }
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName(INPUT).placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, spec.outputSize(), spec.outputSize(), spec.channels())));
            Placeholder<TFloat32> labels = tf.withName(LABEL).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
            Operand<TFloat32> training = tf.withName(TRAINING_FLAG).placeholderWithDefault(tf.constant(0f), Shape.scalar());

            NetworkLayers layers = new NetworkLayers(tf, training, hyper.seed());
            Operand<TFloat32> input = hyper.standardize() ? layers.standardizePerImage(images) : images;
            Network network = architecture.build(layers, input, hyper.filters());
            Operand<TFloat32> logits = tf.withName(LOGIT).identity(network.logits());
            Operand<TFloat32> probability = tf.withName(OUTPUT).math.sigmoid(logits);
            Operand<TFloat32> embedding = tf.withName(EMBEDDING).identity(network.embedding());
            // named so that serving finds what Grad-CAM weighs without searching the graph (not a signature output)
            tf.withName(org.mriclassifier.inference.GradCam.FEATURE_MAP).identity(network.featureMap());
            Operand<TFloat32> loss = tf.withName("loss").math.add(crossEntropy(tf, labels, logits), weightDecay(tf, layers, hyper.l2()));

            Optimizer adam = new Adam(graph, (float) hyper.learningRate());
            Set<String> statistics = new HashSet<>();
            layers.statistics().forEach(v -> statistics.add(v.op().name()));
            List<Optimizer.GradAndVar<?>> gradients = adam.computeGradients(loss).stream()
                    .filter(g -> !statistics.contains(g.getVariable().op().name()))
                    .toList();
            Op trainStep = adam.applyGradients(List.copyOf(gradients), "train");
            // a second Adam with its own moments, sharing the gradients, for the lower-rate phase
            Op fineTuneStep = new Adam(graph, "AdamFineTune", (float) (hyper.learningRate() * FINE_TUNE_RATE_FACTOR))
                    .applyGradients(List.copyOf(gradients), "train_fine_tune");
            return new TrainingGraph(graph, images, labels, training, probability, logits, embedding, layers.multiplyAdds(), loss, trainStep, fineTuneStep, layers.statisticUpdates(),
                    layers.statisticsKeepOrNull());
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** Mean sigmoid cross-entropy in its stable form: max(z,0) - z*y + log(1 + exp(-|z|)). */
    private static Operand<TFloat32> crossEntropy(Ops tf, Operand<TFloat32> labels, Operand<TFloat32> logits) {
        Operand<TFloat32> perImage = tf.math.add(
                tf.math.sub(tf.math.maximum(logits, tf.constant(0f)), tf.math.mul(logits, labels)),
                tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(logits)))));
        return tf.math.mean(perImage, tf.array(0, 1));
    }

    private static Operand<TFloat32> weightDecay(Ops tf, NetworkLayers layers, double l2) {
        Operand<TFloat32> sum = tf.constant(0f);
        if (l2 > 0) {
            for (Operand<TFloat32> kernel : layers.kernels()) {
                sum = tf.math.add(sum, tf.nn.l2Loss(kernel));
            }
        }
        return tf.math.mul(sum, tf.constant((float) l2));
    }

    public Signature servingSignature() {
        return Signature.builder().key(SIGNATURE_KEY).input(INPUT, images)
                .output(OUTPUT, probability).output(LOGIT, logit).output(EMBEDDING, embedding).build();
    }

    /** Multiply-adds per image of the network (convolutions and dense layers): half its FLOPs. */
    public long multiplyAdds() {
        return multiplyAdds;
    }

    Operand<TFloat32> logit() {
        return logit;
    }

    Operand<TFloat32> embedding() {
        return embedding;
    }

    public Graph graph() {
        return graph;
    }

    Placeholder<TFloat32> images() {
        return images;
    }

    Placeholder<TFloat32> labels() {
        return labels;
    }

    Operand<TFloat32> training() {
        return training;
    }

    Operand<TFloat32> probability() {
        return probability;
    }

    Operand<TFloat32> loss() {
        return loss;
    }

    Op trainStep() {
        return trainStep;
    }

    Op fineTuneStep() {
        return fineTuneStep;
    }

    List<Op> statisticUpdates() {
        return statisticUpdates;
    }

    boolean hasBatchNorm() {
        return statisticsKeep != null;
    }

    Operand<TFloat32> statisticsKeep() {
        return statisticsKeep;
    }

    @Override
    public void close() {
        graph.close();
    }
}
