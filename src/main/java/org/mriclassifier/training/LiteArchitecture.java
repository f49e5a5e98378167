package org.mriclassifier.training;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A cheap network for CPU serving, in the manner of MobileNet v1: a strided 3x3 stem, then depthwise-separable blocks
 * (3x3 depthwise, batch norm, ReLU; 1x1 pointwise, batch norm, ReLU) that halve the map and double the width four
 * times, so that little work is spent at high resolution; global average pooling, dropout 0.3, one sigmoid unit.
 * At 128 px and 16 base filters: about 7.7 million multiply-adds per image (15 MFLOP), a ninth of bncnn's.
 */
public final class LiteArchitecture implements Architecture {

    @Override
    public String name() {
        return "lite";
    }

    @Override
    public String description() {
        return "Conv3x3/2(f)-BN-ReLU, DS(f), DS/2(2f), DS(2f), DS/2(4f), DS(4f), DS/2(8f), DS(8f) "
                + "[DS = DepthwiseConv3x3-BN-ReLU-Conv1x1-BN-ReLU] GlobalAvgPool Dropout.3 Dense1sigmoid";
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
        return 1;
    }

    @Override
    public int minimumInputSize() {
        // four halvings after the stem's: a 32 px input ends on a 1x1 map
        return 32;
    }

    @Override
    public Network build(NetworkLayers layers, Operand<TFloat32> images, int filters) {
        Operand<TFloat32> x = layers.relu(layers.batchNorm("stem_bn", layers.convForBatchNorm("stem_conv", images, filters, 3, 2)));
        x = separable(layers, "block1", x, filters, 1);
        x = separable(layers, "block2", x, filters * 2, 2);
        x = separable(layers, "block3", x, filters * 2, 1);
        x = separable(layers, "block4", x, filters * 4, 2);
        x = separable(layers, "block5", x, filters * 4, 1);
        x = separable(layers, "block6", x, filters * 8, 2);
        Operand<TFloat32> featureMap = separable(layers, "block7", x, filters * 8, 1);
        Operand<TFloat32> embedding = layers.globalAveragePool(featureMap);
        Operand<TFloat32> logits = layers.dense("classifier", layers.dropout(embedding, 0.3f), 1);
        return new Network(logits, embedding, featureMap);
    }

    private static Operand<TFloat32> separable(NetworkLayers layers, String name, Operand<TFloat32> input, int filters, int stride) {
        Operand<TFloat32> x = layers.relu(layers.batchNorm(name + "_dw_bn", layers.depthwiseConvForBatchNorm(name + "_dw", input, 3, stride)));
        return layers.relu(layers.batchNorm(name + "_pw_bn", layers.convForBatchNorm(name + "_pw", x, filters, 1)));
    }
}
