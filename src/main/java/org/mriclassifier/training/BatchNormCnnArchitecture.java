package org.mriclassifier.training;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A VGG-like stack sized for CPU training: stages of 3x3 convolution, batch normalisation, ReLU and 2x2 max-pooling,
 * doubling the filters per stage up to 8x the base, until the map is 8x8; then one more convolution block, global
 * average pooling, dropout 0.3 and one sigmoid unit. Global pooling keeps the weights (and the repository) small
 * whatever the input size, and batch normalisation lets a larger learning rate train it in few epochs.
 */
public final class BatchNormCnnArchitecture implements Architecture {

    private static final int FINAL_MAP = 8;
    private static final int MAX_WIDTH_FACTOR = 8;

    @Override
    public String name() {
        return "bncnn";
    }

    @Override
    public String description() {
        return "[Conv3x3-BatchNorm-ReLU-MaxPool2] x stages (filters f,2f,4f,8f.. until 8x8) Conv3x3-BatchNorm-ReLU GlobalAvgPool Dropout.3 Dense1sigmoid";
    }

    @Override
    public int defaultFilters() {
        return 16;
    }

    @Override
    public int defaultInputSize() {
        return 128;
    }

    @Override
    public int defaultChannels() {
        // MRI slices are grey; colour copies only repeat the grey level
        return 1;
    }

    @Override
    public int minimumInputSize() {
        return FINAL_MAP * 2;
    }

    @Override
    public Network build(NetworkLayers layers, Operand<TFloat32> images, int filters) {
        Operand<TFloat32> x = images;
        int width = filters;
        int stage = 1;
        while (x.shape().get(1) / 2 >= FINAL_MAP) {
            x = block(layers, "stage" + stage, x, width);
            x = layers.maxPool(x, 2);
            width = Math.min(width * 2, filters * MAX_WIDTH_FACTOR);
            stage++;
        }
        Operand<TFloat32> featureMap = block(layers, "stage" + stage, x, width);
        Operand<TFloat32> embedding = layers.globalAveragePool(featureMap);
        x = layers.dropout(embedding, 0.3f);
        return new Network(layers.dense("classifier", x, 1), embedding, featureMap);
    }

    private static Operand<TFloat32> block(NetworkLayers layers, String name, Operand<TFloat32> input, int filters) {
        return layers.relu(layers.batchNorm(name + "_bn", layers.convForBatchNorm(name + "_conv", input, filters, 3)));
    }
}
