package org.mriclassifier.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The unfamiliar flag's band around the decision threshold")
class BoundaryBandTest {

    @Test
    @DisplayName("the band holds the requested share of the tuning split, measured in logits around the threshold")
    void bandHoldsTheShare() {
        float[] probabilities = new float[200];
        for (int i = 0; i < probabilities.length; i++) {
            probabilities[i] = (i + 0.5f) / probabilities.length;
        }
        double threshold = 0.3;
        double band = UnfamiliarInput.bandHolding(probabilities, threshold, 0.05);
        int inside = 0;
        for (float p : probabilities) {
            inside += Math.abs(UnfamiliarInput.logit(p) - UnfamiliarInput.logit(threshold)) < band ? 1 : 0;
        }
        assertEquals(10, inside, "5% of 200 lie strictly inside the band");
        assertEquals(0, UnfamiliarInput.bandHolding(probabilities, threshold, 0), "a share of 0 is no band");
        assertEquals(0, UnfamiliarInput.bandHolding(new float[] {0.001f, 0.999f}, 0.5, 0.015),
                "a tuning split too small to hold the share gets no band, however far its images lie from the threshold");
        assertThrows(IllegalArgumentException.class, () -> UnfamiliarInput.bandHolding(probabilities, threshold, 1));
        assertThrows(IllegalArgumentException.class, () -> UnfamiliarInput.bandHolding(probabilities, threshold, -0.1));
    }

    @Test
    @DisplayName("the shipped model flags its borderline answers, not its confident ones, and older descriptors without a band flag neither")
    void shippedModelsBand() throws Exception {
        ModelDescriptor shipped = ModelDescriptors.read(Path.of("model/default"));
        ModelDescriptor.Unfamiliar detector = shipped.unfamiliar();
        assertTrue(detector.boundaryBand() != null && detector.boundaryBand() > 0, "the shipped model has a band: " + detector);
        double t = shipped.decisionThreshold();
        assertTrue(UnfamiliarInput.nearThreshold(shipped, t));
        double justInside = 1 / (1 + Math.exp(-(UnfamiliarInput.logit(t) + 0.9 * detector.boundaryBand())));
        double justOutside = 1 / (1 + Math.exp(-(UnfamiliarInput.logit(t) + 1.1 * detector.boundaryBand())));
        assertTrue(UnfamiliarInput.nearThreshold(shipped, justInside));
        assertFalse(UnfamiliarInput.nearThreshold(shipped, justOutside));
        assertTrue(UnfamiliarInput.flagged(shipped, 0, 0, false, justInside), "a borderline answer raises the flag");
        assertFalse(UnfamiliarInput.flagged(shipped, 0, 0, false, 0.001), "a confident, familiar answer does not");

        ModelDescriptor older = shipped.withUnfamiliar(new ModelDescriptor.Unfamiliar(detector.method(), detector.file(),
                detector.threshold(), detector.percentile(), detector.tuningFlaggedShare(), detector.colourfulnessLimit()));
        assertFalse(UnfamiliarInput.nearThreshold(older, t), "a model without a band flags on distance and input checks only");
    }
}
