package org.mriclassifier.training;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Builds layers into one graph and remembers what training needs from them: kernels to regularise,
 * batch-norm statistics that are updated by assignment rather than by gradients.
 *
 * <p>A float {@code training} flag (1 while training, 0 by default) switches dropout and batch normalisation,
 * so the exported serving signature needs the image alone.
 */
public final class NetworkLayers {

    // batch norm's moving statistics follow recent batches; 0.95 settles within an epoch even on 200 images
    private static final float BATCH_NORM_MOMENTUM = 0.95f;
    private static final float BATCH_NORM_EPSILON = 1e-3f;
    // standard deviation of a unit normal truncated at +-2
    private static final double TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

    private final Ops tf;
    private final Operand<TFloat32> training;
    private final long seed;
    private final List<Operand<TFloat32>> kernels = new ArrayList<>();
    private final List<Variable<TFloat32>> statistics = new ArrayList<>();
    private final List<Op> statisticUpdates = new ArrayList<>();
    private long nextSeed = 1;
    private long multiplyAdds;
    private Operand<TFloat32> statisticsKeep;

    public NetworkLayers(Ops tf, Operand<TFloat32> training, long seed) {
        this.tf = tf;
        this.training = training;
        this.seed = seed;
    }

    public Ops tf() {
        return tf;
    }

    /** Convolution with bias, as Keras's Conv2D: Glorot-uniform kernel, zero bias, stride 1. */
    public Operand<TFloat32> conv(String name, Operand<TFloat32> input, int filters, int kernel, String padding) {
        Ops scope = tf.withSubScope(name);
        long inChannels = input.shape().get(3);
        Variable<TFloat32> weights = variable(name + "_kernel", false, kernel, kernel, inChannels, filters);
        Variable<TFloat32> bias = zeros(name + "_bias", filters);
        Operand<TFloat32> out = scope.nn.biasAdd(scope.nn.conv2d(input, weights, List.of(1L, 1L, 1L, 1L), padding), bias);
        countConv(out, (long) kernel * kernel * inChannels);
        return out;
    }

    /** Convolution without bias (batch norm's shift replaces it), He-initialised for the ReLU that follows. */
    public Operand<TFloat32> convForBatchNorm(String name, Operand<TFloat32> input, int filters, int kernel) {
        return convForBatchNorm(name, input, filters, kernel, 1);
    }

    /** As {@link #convForBatchNorm(String, Operand, int, int)} with a stride: "SAME" padding, output side ceil(side / stride). */
    public Operand<TFloat32> convForBatchNorm(String name, Operand<TFloat32> input, int filters, int kernel, int stride) {
        Ops scope = tf.withSubScope(name);
        long inChannels = input.shape().get(3);
        Variable<TFloat32> weights = variable(name + "_kernel", true, kernel, kernel, inChannels, filters);
        Operand<TFloat32> out = scope.nn.conv2d(input, weights, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        countConv(out, (long) kernel * kernel * inChannels);
        return out;
    }

    /**
     * Depthwise convolution (one kernel per channel, no bias, for the batch norm that follows): the spatial half of a
     * depthwise-separable block, a fraction of a full convolution's cost.
     */
    public Operand<TFloat32> depthwiseConvForBatchNorm(String name, Operand<TFloat32> input, int kernel, int stride) {
        Ops scope = tf.withSubScope(name);
        long channels = input.shape().get(3);
        // stored as [k, k, 1, channels] so that its fan-in (k * k) sets the He scale; the op wants [k, k, channels, 1]
        Variable<TFloat32> weights = variable(name + "_kernel", true, kernel, kernel, 1, channels);
        Operand<TFloat32> filter = scope.reshape(weights, scope.array((long) kernel, kernel, channels, 1L));
        Operand<TFloat32> out = scope.nn.depthwiseConv2dNative(input, filter, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        countConv(out, (long) kernel * kernel);
        return out;
    }

    /**
     * Per-image standardisation inside the graph, so serving does exactly what training did: each image minus its
     * mean, over its standard deviation (floored so that a blank image stays finite). It removes a source's overall
     * brightness and contrast, which otherwise tell the network which scanner an image came from.
     */
    public Operand<TFloat32> standardizePerImage(Operand<TFloat32> images) {
        Ops scope = tf.withSubScope("standardize");
        Operand<TInt32> axes = scope.constant(new int[] {1, 2, 3});
        Operand<TFloat32> mean = scope.math.mean(images, axes, Mean.keepDims(true));
        Operand<TFloat32> centred = scope.math.sub(images, mean);
        Operand<TFloat32> variance = scope.math.mean(scope.math.square(centred), axes, Mean.keepDims(true));
        Operand<TFloat32> deviation = scope.math.maximum(scope.math.sqrt(variance), scope.constant(1f / 64));
        return scope.math.div(centred, deviation);
    }

    /** Multiply-adds per image of the layers built so far (convolutions and dense layers; normalisation and pooling are ignored). */
    public long multiplyAdds() {
        return multiplyAdds;
    }

    private void countConv(Operand<TFloat32> output, long perOutputValue) {
        Shape shape = output.shape();
        multiplyAdds += shape.get(1) * shape.get(2) * shape.get(3) * perOutputValue;
    }

    /**
     * Batch normalisation over all axes but the channels. Training normalises with the batch's statistics and
     * moves the stored ones towards them; serving uses the stored ones. Both are computed and blended by the
     * training flag, which keeps the graph free of conditionals.
     */
    public Operand<TFloat32> batchNorm(String name, Operand<TFloat32> input) {
        Ops scope = tf.withSubScope(name);
        int channels = (int) input.shape().get(input.shape().numDimensions() - 1);
        Variable<TFloat32> gamma = ones(name + "_gamma", channels);
        Variable<TFloat32> beta = zeros(name + "_beta", channels);
        Variable<TFloat32> movingMean = zeros(name + "_moving_mean", channels);
        Variable<TFloat32> movingVariance = ones(name + "_moving_variance", channels);
        statistics.add(movingMean);
        statistics.add(movingVariance);

        Operand<TInt32> axes = allButLast(scope, input);
        Operand<TFloat32> batchMean = scope.math.mean(input, axes, Mean.keepDims(false));
        Operand<TFloat32> batchVariance = scope.math.mean(scope.math.squaredDifference(input, batchMean), axes, Mean.keepDims(false));
        Operand<TFloat32> serving = scope.math.sub(scope.constant(1f), training);
        Operand<TFloat32> mean = scope.math.add(scope.math.mul(training, batchMean), scope.math.mul(serving, movingMean));
        Operand<TFloat32> variance = scope.math.add(scope.math.mul(training, batchVariance), scope.math.mul(serving, movingVariance));

        Operand<TFloat32> keep = statisticsKeep();
        Operand<TFloat32> take = scope.math.sub(scope.constant(1f), keep);
        statisticUpdates.add(scope.assign(movingMean, scope.math.add(scope.math.mul(movingMean, keep), scope.math.mul(scope.stopGradient(batchMean), take))));
        statisticUpdates.add(scope.assign(movingVariance, scope.math.add(scope.math.mul(movingVariance, keep), scope.math.mul(scope.stopGradient(batchVariance), take))));

        Operand<TFloat32> scale = scope.math.mul(gamma, scope.math.rsqrt(scope.math.add(variance, scope.constant(BATCH_NORM_EPSILON))));
        return scope.math.add(scope.math.mul(scope.math.sub(input, mean), scale), beta);
    }

    public Operand<TFloat32> relu(Operand<TFloat32> input) {
        return tf.nn.relu(input);
    }

    public Operand<TFloat32> maxPool(Operand<TFloat32> input, int size) {
        return tf.nn.maxPool(input, tf.array(1, size, size, 1), tf.array(1, size, size, 1), "VALID");
    }

    /** Mean over height and width: one value per channel, whatever the input size. */
    public Operand<TFloat32> globalAveragePool(Operand<TFloat32> input) {
        return tf.math.mean(input, tf.array(1, 2), Mean.keepDims(false));
    }

    public Operand<TFloat32> flatten(Operand<TFloat32> input) {
        Shape shape = input.shape();
        long features = 1;
        for (int d = 1; d < shape.numDimensions(); d++) {
            features *= shape.get(d);
        }
        return tf.reshape(input, tf.array(-1L, features));
    }

    /** Inverted dropout: active only while the training flag is 1, a no-op (mask of ones) at serving. */
    public Operand<TFloat32> dropout(Operand<TFloat32> input, float rate) {
        if (rate <= 0) {
            return input;
        }
        Operand<TFloat32> keepProbability = tf.math.sub(tf.constant(1f), tf.math.mul(training, tf.constant(rate)));
        Operand<TFloat32> uniform = tf.random.randomUniform(tf.shape(input), TFloat32.class,
                RandomUniform.seed(seed), RandomUniform.seed2(nextSeed++));
        Operand<TFloat32> mask = tf.math.floor(tf.math.add(uniform, keepProbability));
        return tf.math.div(tf.math.mul(input, mask), keepProbability);
    }

    public Operand<TFloat32> dense(String name, Operand<TFloat32> input, int units) {
        Ops scope = tf.withSubScope(name);
        Variable<TFloat32> weights = variable(name + "_kernel", false, input.shape().get(1), units);
        Variable<TFloat32> bias = zeros(name + "_bias", units);
        multiplyAdds += input.shape().get(1) * units;
        return scope.math.add(scope.linalg.matMul(input, weights), bias);
    }

    /**
     * The share of the stored statistics an update keeps: the momentum by default; fed as k/(k+1) on the k-th batch
     * of a recalibration pass, the updates compute the exact mean over those batches.
     */
    private Operand<TFloat32> statisticsKeep() {
        if (statisticsKeep == null) {
            statisticsKeep = tf.withName("batch_norm_keep").placeholderWithDefault(tf.constant(BATCH_NORM_MOMENTUM), Shape.scalar());
        }
        return statisticsKeep;
    }

    /** The statistics-keep placeholder, or null when the network has no batch normalisation. */
    public Operand<TFloat32> statisticsKeepOrNull() {
        return statisticsKeep;
    }

    /** Kernels created so far, for L2 regularisation. */
    public List<Operand<TFloat32>> kernels() {
        return List.copyOf(kernels);
    }

    /** Batch-norm statistics: variables that gradients must not touch. */
    public List<Variable<TFloat32>> statistics() {
        return List.copyOf(statistics);
    }

    /** Assignments to run with every training step. */
    public List<Op> statisticUpdates() {
        return List.copyOf(statisticUpdates);
    }

    /**
     * Glorot (Xavier) uniform, Keras's default: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). Written here because
     * tensorflow-framework 1.1.0's Glorot and He initialisers draw from the wrong range (all-positive
     * Glorot kernels made the seed network diverge in its first epoch).
     */
    private Operand<TFloat32> glorotUniform(Ops init, long... dims) {
        double limit = Math.sqrt(6.0 / (fanIn(dims) + fanOut(dims)));
        Operand<TFloat32> unit = init.random.randomUniform(init.constant(dims), TFloat32.class,
                RandomUniform.seed(seed), RandomUniform.seed2(nextSeed++));
        return init.math.sub(init.math.mul(unit, init.constant((float) (2 * limit))), init.constant((float) limit));
    }

    /** He normal for ReLU layers: N(0, 2 / fanIn), truncated at two standard deviations and rescaled as Keras does. */
    private Operand<TFloat32> heNormal(Ops init, long... dims) {
        double stddev = Math.sqrt(2.0 / fanIn(dims)) / TRUNCATED_NORMAL_STDDEV;
        Operand<TFloat32> unit = init.random.truncatedNormal(init.constant(dims), TFloat32.class,
                TruncatedNormal.seed(seed), TruncatedNormal.seed2(nextSeed++));
        return init.math.mul(unit, init.constant((float) stddev));
    }

    private static long fanIn(long[] dims) {
        long receptive = 1;
        for (int d = 0; d < dims.length - 2; d++) {
            receptive *= dims[d];
        }
        return receptive * dims[dims.length - 2];
    }

    private static long fanOut(long[] dims) {
        return fanIn(dims) / dims[dims.length - 2] * dims[dims.length - 1];
    }

    // variables get flat names: the optimizer derives its slot names from them and rejects '/'
    private Variable<TFloat32> variable(String name, boolean forRelu, long... dims) {
        Ops init = tf.withInitScope();
        Variable<TFloat32> variable = tf.withName(name).variable(forRelu ? heNormal(init, dims) : glorotUniform(init, dims));
        kernels.add(variable);
        return variable;
    }

    private Variable<TFloat32> zeros(String name, long size) {
        Ops init = tf.withInitScope();
        return tf.withName(name).variable(init.zeros(init.constant(new long[] {size}), TFloat32.class));
    }

    private Variable<TFloat32> ones(String name, int size) {
        Ops init = tf.withInitScope();
        return tf.withName(name).variable(init.fill(init.array(size), init.constant(1f)));
    }

    private static Operand<TInt32> allButLast(Ops scope, Operand<TFloat32> input) {
        int rank = input.shape().numDimensions();
        int[] axes = new int[rank - 1];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        return scope.constant(axes);
    }
}
