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

    /** Logits and embeddings of images, in serving mode. */
    record Outputs(float[] logits, List<float[]> embeddings) {
    }

    static Outputs outputs(Session session, TrainingGraph graph, List<float[]> images, int size, int channels) {
        float[] logits = new float[images.size()];
        List<float[]> embeddings = new java.util.ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += BATCH) {
            List<float[]> batch = images.subList(start, Math.min(images.size(), start + BATCH));
            try (TFloat32 input = Batches.images(batch, size, channels);
                 Result result = session.runner().feed(graph.images(), input).fetch(graph.logit()).fetch(graph.embedding()).run()) {
                float[] batchLogits = Batches.column((TFloat32) result.get(0));
                System.arraycopy(batchLogits, 0, logits, start, batchLogits.length);
                TFloat32 embedding = (TFloat32) result.get(1);
                int d = (int) embedding.shape().get(1);
                float[] flat = new float[batch.size() * d];
                embedding.asRawTensor().data().asFloats().read(flat);
                for (int i = 0; i < batch.size(); i++) {
                    embeddings.add(java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d));
                }
            }
        }
        return new Outputs(logits, embeddings);
    }
}
