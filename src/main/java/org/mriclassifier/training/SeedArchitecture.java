package org.mriclassifier.training;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The original project's network, layer for layer: Conv(16, 9x9, relu), MaxPool 2, Dropout .25, Conv(36, 9x9, relu),
 * MaxPool 2, Dropout .25, Flatten, Dense 512 relu, Dropout .15, Dense 1 (sigmoid in the loss and the output).
 * Keras defaults: "valid" padding, Glorot-uniform kernels, zero biases.
 */
public final class SeedArchitecture implements Architecture {

    private static final int KERNEL = 9;
    private static final double SECOND_TO_FIRST_FILTERS = 36.0 / 16.0;

    @Override
    public String name() {
        return "seed";
    }

    @Override
    public String description() {
        return "Conv(16,9x9,relu) MaxPool2 Dropout.25 Conv(36,9x9,relu) MaxPool2 Dropout.25 Flatten Dense512relu Dropout.15 Dense1sigmoid";
    }

    @Override
    public int defaultFilters() {
        return 16;
    }

    @Override
    public int defaultInputSize() {
        return 32;
    }

    @Override
    public int defaultChannels() {
        // the original read images with cv2.imread: three channels
        return 3;
    }

    @Override
    public int minimumInputSize() {
        // two valid 9x9 convolutions and two poolings must leave at least one pixel
        return 28;
    }

    @Override
    public Network build(NetworkLayers layers, Operand<TFloat32> images, int filters) {
        Operand<TFloat32> x = layers.relu(layers.conv("conv1", images, filters, KERNEL, "VALID"));
        x = layers.dropout(layers.maxPool(x, 2), 0.25f);
        Operand<TFloat32> featureMap = layers.relu(layers.conv("conv2", x, (int) Math.round(filters * SECOND_TO_FIRST_FILTERS), KERNEL, "VALID"));
        x = layers.dropout(layers.maxPool(featureMap, 2), 0.25f);
        Operand<TFloat32> embedding = layers.relu(layers.dense("dense1", layers.flatten(x), 512));
        x = layers.dropout(embedding, 0.15f);
        return new Network(layers.dense("dense2", x, 1), embedding, featureMap);
    }
}
