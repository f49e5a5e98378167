package org.mriclassifier.training;

import java.util.List;
import org.mriclassifier.inference.Classifier;

/** Runs a loaded model over samples in batches, the way the server will. */
public final class Evaluator {

    private static final int BATCH = 32;

    private Evaluator() {
    }

    public static Evaluation evaluate(Classifier classifier, List<Sample> samples) {
        return evaluateWithScores(classifier, samples).evaluation();
    }

    /**
     * Scores with the unfamiliar flag as serving raises it: the embedding far from the training classes, an image in
     * colour, or no brain contour found.
     */
    public record Scored(Evaluation evaluation, double[] unfamiliarScores, boolean[] unfamiliar) {
    }

    /** The same scores with the flag raised by another description of the model (a refitted boundary band). */
    public static Scored rescored(org.mriclassifier.inference.ModelDescriptor model, List<Sample> samples, Scored scored) {
        boolean[] flags = new boolean[samples.size()];
        float[] probabilities = scored.evaluation().scores();
        for (int i = 0; i < flags.length; i++) {
            Sample sample = samples.get(i);
            flags[i] = org.mriclassifier.inference.UnfamiliarInput.flagged(model, scored.unfamiliarScores()[i], sample.colourfulness(),
                    sample.notASlice(), probabilities[i]);
        }
        return new Scored(scored.evaluation(), scored.unfamiliarScores(), flags);
    }

    public static Scored evaluateWithScores(Classifier classifier, List<Sample> samples) {
        int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
        float[] scores = new float[samples.size()];
        double[] distances = new double[samples.size()];
        for (int start = 0; start < samples.size(); start += BATCH) {
            int count = Math.min(BATCH, samples.size() - start);
            float[] batch = new float[count * perImage];
            for (int i = 0; i < count; i++) {
                System.arraycopy(samples.get(start + i).pixels(), 0, batch, i * perImage, perImage);
            }
            Classifier.Scores result = classifier.score(batch, count);
            System.arraycopy(result.probabilities(), 0, scores, start, count);
            System.arraycopy(result.unfamiliarScores(), 0, distances, start, count);
        }
        boolean[] flags = new boolean[samples.size()];
        for (int i = 0; i < flags.length; i++) {
            Sample sample = samples.get(i);
            flags[i] = org.mriclassifier.inference.UnfamiliarInput.flagged(classifier, distances[i], sample.colourfulness(), sample.notASlice(), scores[i]);
        }
        return new Scored(new Evaluation(samples, scores, classifier.descriptor().decisionThreshold()), distances, flags);
    }
}
