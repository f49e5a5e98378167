package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Epoch choice on the tuning split")
class EpochChoiceTest {

    private static Sample sample(String dataset, Label label, int id) {
        return new Sample(new ImageFile(Path.of(id + ".png"), dataset, label), Integer.toString(id), new long[0], new float[0], false);
    }

    @Test
    @DisplayName("per-source: each data set's cross-entropy counts once, however many images it has")
    void perSourceMeanWeighsSourcesEqually() {
        // large source: four images scored 0.9 right; small source: one tumor scored 0.5
        List<Sample> tuning = List.of(
                sample("large", Label.TUMOR, 1), sample("large", Label.TUMOR, 2),
                sample("large", Label.HEALTHY, 3), sample("large", Label.HEALTHY, 4),
                sample("small", Label.TUMOR, 5));
        int[] labels = {1, 1, 0, 0, 1};
        float[] scores = {0.9f, 0.9f, 0.1f, 0.1f, 0.5f};

        double large = -Math.log(0.9f); // every large-source image is right at 0.9 (0.1 for healthy: -log(1 - 0.1))
        double small = -Math.log(0.5);
        assertEquals((large + small) / 2, Trainer.meanPerSourceLoss(tuning, labels, scores), 1e-6);
        assertEquals((4 * large + small) / 5, Trainer.crossEntropy(labels, scores), 1e-6, "the pooled loss, for contrast");
    }

    @Test
    @DisplayName("per-source with one source is the pooled loss")
    void oneSourceIsPooled() {
        List<Sample> tuning = List.of(sample("only", Label.TUMOR, 1), sample("only", Label.HEALTHY, 2), sample("only", Label.TUMOR, 3));
        int[] labels = {1, 0, 1};
        float[] scores = {0.7f, 0.2f, 0.4f};
        assertEquals(Trainer.crossEntropy(labels, scores), Trainer.meanPerSourceLoss(tuning, labels, scores), 1e-9);
    }
}
