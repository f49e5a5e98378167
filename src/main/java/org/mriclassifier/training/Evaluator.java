package org.mriclassifier.training;

import java.util.List;
import org.mriclassifier.inference.Classifier;

/** Runs a loaded model over samples in batches, the way the server will. */
public final class Evaluator {

    private static final int BATCH = 32;

    private Evaluator() {
    }

    public static Evaluation evaluate(Classifier classifier, List<Sample> samples) {
        int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
        float[] scores = new float[samples.size()];
        for (int start = 0; start < samples.size(); start += BATCH) {
            int count = Math.min(BATCH, samples.size() - start);
            float[] batch = new float[count * perImage];
            for (int i = 0; i < count; i++) {
                System.arraycopy(samples.get(start + i).pixels(), 0, batch, i * perImage, perImage);
            }
            System.arraycopy(classifier.predict(batch, count), 0, scores, start, count);
        }
        return new Evaluation(samples, scores, classifier.descriptor().decisionThreshold());
    }
}
