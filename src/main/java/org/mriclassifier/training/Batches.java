package org.mriclassifier.training;

import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Packs images and labels into tensors the caller must close. */
final class Batches {

    private Batches() {
    }

    static TFloat32 images(List<float[]> images, int size, int channels) {
        int perImage = size * size * channels;
        float[] flat = new float[images.size() * perImage];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, flat, i * perImage, perImage);
        }
        return TFloat32.tensorOf(Shape.of(images.size(), size, size, channels), DataBuffers.of(flat, true, false));
    }

    static TFloat32 labels(float[] labels) {
        return TFloat32.tensorOf(Shape.of(labels.length, 1), DataBuffers.of(labels, true, false));
    }

    /** The first column of a [n, 1] tensor. */
    static float[] column(TFloat32 tensor) {
        int n = (int) tensor.shape().get(0);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = tensor.getFloat(i, 0);
        }
        return values;
    }
}
