package org.mriclassifier.training;

/**
 * Temperature scaling (Guo et al. 2017) and the expected calibration error. One parameter, fitted on the tuning
 * split by maximum likelihood, divides the logit: it changes how sure the model says it is, never which image ranks
 * above which, so the ROC curve and AUC stay as they are.
 */
public final class Calibrations {

    public static final int ECE_BINS = 15;
    private static final double LOG_LOW = Math.log(0.05);
    private static final double LOG_HIGH = Math.log(20);

    private Calibrations() {
    }

    /** The temperature minimising the tuning split's cross-entropy (golden-section search on its logarithm). */
    public static double fitTemperature(int[] labels, float[] logits) {
        double golden = (Math.sqrt(5) - 1) / 2;
        double a = LOG_LOW;
        double b = LOG_HIGH;
        double c = b - golden * (b - a);
        double d = a + golden * (b - a);
        double fc = nll(labels, logits, Math.exp(c));
        double fd = nll(labels, logits, Math.exp(d));
        for (int i = 0; i < 80; i++) {
            if (fc < fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - golden * (b - a);
                fc = nll(labels, logits, Math.exp(c));
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + golden * (b - a);
                fd = nll(labels, logits, Math.exp(d));
            }
        }
        return Math.exp((a + b) / 2);
    }

    public static float[] probabilities(float[] logits, double temperature) {
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = (float) sigmoid(logits[i] / temperature);
        }
        return p;
    }

    public static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** Mean cross-entropy of sigmoid(logit / t), computed stably from the logit. */
    static double nll(int[] labels, float[] logits, double t) {
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            double z = logits[i] / t;
            // -log sigmoid(z) = softplus(-z); -log(1 - sigmoid(z)) = softplus(z)
            sum += labels[i] == 1 ? softplus(-z) : softplus(z);
        }
        return sum / labels.length;
    }

    private static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    /**
     * Expected calibration error of the tumor probability: images binned by probability into equal-width bins, the
     * gap between each bin's mean probability and its share of tumors, weighted by the bin's size.
     */
    public static double expectedCalibrationError(int[] labels, float[] probabilities) {
        double[][] bins = reliability(labels, probabilities, ECE_BINS);
        double ece = 0;
        for (double[] bin : bins) {
            if (bin[2] > 0) {
                ece += bin[2] / labels.length * Math.abs(bin[0] - bin[1]);
            }
        }
        return ece;
    }

    /** Per bin: mean probability, share of tumors, count (for the reliability diagram). */
    public static double[][] reliability(int[] labels, float[] probabilities, int binCount) {
        double[][] bins = new double[binCount][3];
        for (int i = 0; i < labels.length; i++) {
            int bin = Math.min(binCount - 1, (int) (probabilities[i] * binCount));
            bins[bin][0] += probabilities[i];
            bins[bin][1] += labels[i];
            bins[bin][2]++;
        }
        for (double[] bin : bins) {
            if (bin[2] > 0) {
                bin[0] /= bin[2];
                bin[1] /= bin[2];
            }
        }
        return bins;
    }
}
