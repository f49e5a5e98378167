package org.mriclassifier.training;

import java.util.List;

/**
 * @param history         one record per epoch run
 * @param keptEpoch       the epoch whose weights the model kept (the best tuning loss, or the last epoch)
 * @param secondsPerEpoch mean wall time of an epoch
 */
public record TrainingResult(List<EpochRecord> history, int keptEpoch, double secondsPerEpoch) {
}
