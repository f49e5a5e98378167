package org.mriclassifier.training;

/**
 * How a model is trained; recorded in model.json.
 *
 * @param epochs          maximum epochs
 * @param batchSize       images per gradient step
 * @param learningRate    Adam's step size
 * @param seed            seeds splits, shuffling, initialisation, dropout and augmentation
 * @param filters         the architecture's base filter count
 * @param l2              weight decay on kernels (0 = none, the original)
 * @param tuningSplit     share of the training side held back to pick the best epoch (0 = train all epochs, keep the last)
 * @param patience        epochs without a better tuning loss before stopping early
 * @param augment         training-side augmentation
 * @param fineTune        when the tuning loss stalls, return to the best epoch and go on at a tenth of the learning rate
 *                        (once) before stopping
 * @param perSourceEpochChoice pick the epoch on the mean of each data set's tuning loss instead of the pooled loss
 * @param warmUpEpochs    epochs at the start that can be neither kept nor counted towards the patience (0 = none): a
 *                        tuning loss that is noisy early cannot stop or fine-tune a run from an undertrained epoch
 * @param standardize     standardise each image (zero mean, unit deviation) inside the graph, before the network
 */
public record HyperParameters(int epochs, int batchSize, double learningRate, long seed, int filters, double l2,
                              double tuningSplit, int patience, AugmentSpec augment,
                              boolean fineTune, boolean perSourceEpochChoice, int warmUpEpochs, boolean standardize) {

    public HyperParameters {
        if (epochs < 1 || batchSize < 1 || learningRate <= 0 || filters < 1 || l2 < 0 || tuningSplit < 0 || tuningSplit >= 1 || patience < 1
                || warmUpEpochs < 0 || warmUpEpochs >= epochs) {
            throw new IllegalArgumentException("invalid hyper-parameters: " + this);
        }
    }
}
