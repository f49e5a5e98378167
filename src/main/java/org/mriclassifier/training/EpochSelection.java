package org.mriclassifier.training;

/**
 * Which epoch a run keeps and when it stops, from the selection loss of each epoch on the tuning split: the lowest
 * loss after the warm-up is kept; {@code patience} epochs without a lower one stop the run or, with fine-tuning, send
 * it back to the kept epoch once at a lower learning rate. Pure bookkeeping, so the rules are tested without training.
 */
final class EpochSelection {

    /** What the run does after an epoch. */
    enum Next { CONTINUE, FINE_TUNE, STOP }

    private final int warmUpEpochs;
    private final int patience;
    private final boolean fineTune;
    private double bestLoss = Double.POSITIVE_INFINITY;
    private int keptEpoch;
    private int patienceFrom;
    private boolean fineTuning;

    EpochSelection(int warmUpEpochs, int patience, boolean fineTune) {
        this.warmUpEpochs = warmUpEpochs;
        this.patience = patience;
        this.fineTune = fineTune;
    }

    /** Records an epoch's selection loss; true when it is the new epoch to keep. Warm-up epochs never are. */
    boolean offer(int epoch, double selectionLoss) {
        if (epoch <= warmUpEpochs || !(selectionLoss < bestLoss)) {
            return false;
        }
        bestLoss = selectionLoss;
        keptEpoch = epoch;
        return true;
    }

    /** After {@link #offer} for the same epoch: go on, go back to the kept epoch and fine-tune, or stop. */
    Next next(int epoch) {
        if (epoch <= warmUpEpochs || epoch - Math.max(keptEpoch, patienceFrom) < patience) {
            return Next.CONTINUE;
        }
        if (fineTune && !fineTuning) {
            fineTuning = true;
            patienceFrom = epoch;
            return Next.FINE_TUNE;
        }
        return Next.STOP;
    }

    int keptEpoch() {
        return keptEpoch;
    }

    boolean fineTuning() {
        return fineTuning;
    }
}
