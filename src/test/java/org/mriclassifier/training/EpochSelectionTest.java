package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Epoch selection: kept epoch, early stop, fine-tuning, warm-up")
class EpochSelectionTest {

    /** Feeds losses for epochs 1, 2, ... until the selection stops; returns what it did after each epoch. */
    private static List<EpochSelection.Next> run(EpochSelection selection, double... losses) {
        List<EpochSelection.Next> steps = new ArrayList<>();
        for (int epoch = 1; epoch <= losses.length; epoch++) {
            selection.offer(epoch, losses[epoch - 1]);
            EpochSelection.Next next = selection.next(epoch);
            steps.add(next);
            if (next == EpochSelection.Next.STOP) {
                break;
            }
        }
        return steps;
    }

    @Test
    @DisplayName("keeps the lowest loss and stops after patience epochs without a lower one")
    void stopsAfterPatience() {
        EpochSelection selection = new EpochSelection(0, 2, false);
        List<EpochSelection.Next> steps = run(selection, 0.5, 0.3, 0.4, 0.35, 0.1);
        assertEquals(2, selection.keptEpoch());
        assertEquals(4, steps.size(), "two epochs after the best one the run stops");
        assertEquals(EpochSelection.Next.STOP, steps.get(3));
    }

    @Test
    @DisplayName("with fine-tuning, the first stall goes back to the kept epoch and the patience counts anew")
    void fineTunesOnceThenStops() {
        EpochSelection selection = new EpochSelection(0, 2, true);
        List<EpochSelection.Next> steps = run(selection, 0.5, 0.3, 0.4, 0.4, 0.2, 0.3, 0.3, 0.3);
        assertEquals(EpochSelection.Next.FINE_TUNE, steps.get(3));
        assertTrue(selection.fineTuning());
        assertEquals(5, selection.keptEpoch(), "an epoch of the fine-tuning phase can be kept");
        assertEquals(EpochSelection.Next.STOP, steps.get(steps.size() - 1));
        assertEquals(7, steps.size());
    }

    @Test
    @DisplayName("warm-up epochs are never kept and cannot stop or fine-tune the run, however low their loss")
    void warmUpEpochsAreIgnored() {
        // a noisy early minimum at epoch 1, as the per-source loss had in the cross-validation
        double[] losses = {0.05, 0.5, 0.4, 0.3, 0.35, 0.25};
        EpochSelection without = new EpochSelection(0, 2, true);
        run(without, losses);
        assertEquals(1, without.keptEpoch(), "without a warm-up the early minimum wins");

        EpochSelection withWarmUp = new EpochSelection(3, 2, true);
        List<EpochSelection.Next> steps = run(withWarmUp, losses);
        assertFalse(withWarmUp.offer(2, 0.0), "a warm-up epoch is never the one to keep");
        assertEquals(6, withWarmUp.keptEpoch());
        assertEquals(List.of(EpochSelection.Next.CONTINUE, EpochSelection.Next.CONTINUE, EpochSelection.Next.CONTINUE,
                EpochSelection.Next.CONTINUE, EpochSelection.Next.CONTINUE, EpochSelection.Next.CONTINUE), steps);
    }
}
