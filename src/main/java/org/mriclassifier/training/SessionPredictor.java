package org.mriclassifier.training;

import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/** Tumor probabilities from a training session, in serving mode (no dropout, stored batch-norm statistics). */
final class SessionPredictor {

    private static final int BATCH = 64;

    private SessionPredictor() {
    }

    static float[] predict(Session session, TrainingGraph graph, List<float[]> images, int size, int channels) {
        float[] scores = new float[images.size()];
        for (int start = 0; start < images.size(); start += BATCH) {
            List<float[]> batch = images.subList(start, Math.min(images.size(), start + BATCH));
            try (TFloat32 input = Batches.images(batch, size, channels);
                 Result result = session.runner().feed(graph.images(), input).fetch(graph.probability()).run()) {
                float[] batchScores = Batches.column((TFloat32) result.get(0));
                System.arraycopy(batchScores, 0, scores, start, batchScores.length);
            }
        }
        return scores;
    }
}
