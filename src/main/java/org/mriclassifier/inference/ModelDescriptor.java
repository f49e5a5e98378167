package org.mriclassifier.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import org.mriclassifier.vision.PreprocessSpec;

/**
 * model.json: what a SavedModel folder holds, how to feed it, and where it came from. Serving reads the
 * preprocessing spec and threshold from here, so a model is always served as it was trained.
 *
 * @param formatVersion     version of this file's layout
 * @param name              model name (e.g. "default", "seed")
 * @param version           model version
 * @param architecture      architecture name (see the training package)
 * @param architectureDescription its layers, in one line
 * @param preprocessing     the pipeline parameters the model was trained with
 * @param decisionThreshold a probability at or above it means tumor
 * @param signatureKey      SavedModel signature to call
 * @param input             input tensor: name in the signature and shape (batch dimension -1)
 * @param output            output tensor: name in the signature and shape
 * @param training          data, command and settings that produced the weights
 * @param validation        figures on held-out images, by subset ("all" and per data set)
 * @param crossValidation   cross-validation summary of the same recipe, when one was run
 * @param createdAt         ISO-8601 instant
 * @param logit             (format 2) the tumor logit tensor, which calibration divides; absent: the output is used as is
 * @param embedding         (format 2) the penultimate features, which the unfamiliar-input detector measures
 * @param calibration       (format 2) temperature scaling fitted on the tuning split; absent: probabilities as the network gives them
 * @param operatingPoint    (format 2) how {@code decisionThreshold} was chosen, when it was chosen for a sensitivity
 * @param unfamiliar        (format 2) the unfamiliar-input detector; absent: nothing is flagged from the embedding
 * @param multiplyAdds      (format 2) multiply-adds per image (half the FLOPs)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelDescriptor(
        int formatVersion,
        String name,
        String version,
        String architecture,
        String architectureDescription,
        PreprocessSpec preprocessing,
        double decisionThreshold,
        String signatureKey,
        TensorSpec input,
        TensorSpec output,
        TrainingInfo training,
        Map<String, ValidationFigures> validation,
        Map<String, Object> crossValidation,
        String createdAt,
        TensorSpec logit,
        TensorSpec embedding,
        Calibration calibration,
        OperatingPoint operatingPoint,
        Unfamiliar unfamiliar,
        Long multiplyAdds) {

    public static final int FORMAT_VERSION = 2;

    /** A format-1 descriptor's fields: the rest absent. */
    public ModelDescriptor(int formatVersion, String name, String version, String architecture, String architectureDescription,
                           PreprocessSpec preprocessing, double decisionThreshold, String signatureKey, TensorSpec input, TensorSpec output,
                           TrainingInfo training, Map<String, ValidationFigures> validation, Map<String, Object> crossValidation,
                           String createdAt) {
        this(formatVersion, name, version, architecture, architectureDescription, preprocessing, decisionThreshold, signatureKey, input,
                output, training, validation, crossValidation, createdAt, null, null, null, null, null, null);
    }

    /** This descriptor with another unfamiliar-input detector description (the rest unchanged). */
    public ModelDescriptor withUnfamiliar(Unfamiliar replacement) {
        return new ModelDescriptor(formatVersion, name, version, architecture, architectureDescription, preprocessing, decisionThreshold,
                signatureKey, input, output, training, validation, crossValidation, createdAt, logit, embedding, calibration,
                operatingPoint, replacement, multiplyAdds);
    }

    /**
     * Temperature scaling: the served probability is sigmoid(logit / temperature).
     *
     * @param method      "temperature"
     * @param temperature above 1 softens over-confident answers, below 1 sharpens
     * @param fittedOn    images of the tuning split it was fitted on (never trained on)
     * @param eceBefore   expected calibration error on them before (15 equal-width bins)
     * @param eceAfter    and after
     */
    public record Calibration(String method, double temperature, int fittedOn, double eceBefore, double eceAfter) {
    }

    /**
     * The decision threshold chosen for screening: the highest one at which the tuning split's tumors are found at
     * least at the target rate.
     */
    public record OperatingPoint(double targetSensitivity, double threshold, double tuningSensitivity, double tuningSpecificity,
                                 int tuningImages) {
    }

    /**
     * The unfamiliar-input detector: Mahalanobis distance of the embedding to the nearest class mean (shared, shrunk
     * covariance, fitted on the training side), flagged above {@code threshold}, the {@code percentile}-th
     * percentile of the tuning split's distances; images in colour beyond {@code colourfulnessLimit}, or without a
     * brain contour, are flagged whatever the distance.
     *
     * An answer near the decision threshold is flagged too: within {@code boundaryBand} logits of it (on the
     * calibrated scale), a band holding {@code boundaryShare} of the tuning split. On a source the model never saw,
     * its scores drift towards the threshold, and the embedding distance alone misses most of its wrong answers.
     *
     * @param file               the means and precision matrix, beside model.json
     * @param tuningFlaggedShare share of the tuning split flagged (by the distance, or the band where there is one)
     * @param boundaryBand       half-width of the band around the threshold, in logits; null: no band (older models)
     * @param boundaryShare      share of the tuning split inside the band; null without one
     */
    public record Unfamiliar(String method, String file, double threshold, double percentile, double tuningFlaggedShare,
                             double colourfulnessLimit, Double boundaryBand, Double boundaryShare) {

        public Unfamiliar(String method, String file, double threshold, double percentile, double tuningFlaggedShare,
                          double colourfulnessLimit) {
            this(method, file, threshold, percentile, tuningFlaggedShare, colourfulnessLimit, null, null);
        }

        /** This detector with a band around the decision threshold, and the tuning split's share it now flags. */
        public Unfamiliar withBoundary(double band, double share, double flaggedShare) {
            return new Unfamiliar(method, file, threshold, percentile, flaggedShare, colourfulnessLimit, band, share);
        }
    }
    public static final String FILE_NAME = "model.json";

    /** A tensor of the serving signature. */
    public record TensorSpec(String name, List<Long> shape) {
    }

    /**
     * @param data                 data set folders, as given
     * @param command              the exact command line
     * @param hyperParameters      everything that shaped the weights
     * @param trainImages          images the gradients saw
     * @param tuningImages         images held back from the training side to pick the epoch
     * @param validationImages     held-out images, never trained on nor used to pick the epoch
     * @param trainSetSha256       hash of the sorted (content SHA-256, label) list of the training images
     * @param validationSetSha256  the same for the validation images: re-deriving the split must reproduce it
     * @param exactDuplicatesRemoved copies removed before splitting
     * @param keptEpoch            epoch whose weights were kept
     * @param epochsRun            epochs run
     * @param secondsPerEpoch      mean wall time of an epoch on the training machine
     */
    public record TrainingInfo(List<String> data, String command, Map<String, Object> hyperParameters,
                               int trainImages, int tuningImages, int validationImages,
                               String trainSetSha256, String validationSetSha256, int exactDuplicatesRemoved,
                               int keptEpoch, int epochsRun, double secondsPerEpoch) {
    }

    /** Checks what serving relies on; throws IllegalArgumentException naming the first problem. */
    public void validate() {
        require(formatVersion == 1 || formatVersion == FORMAT_VERSION, "unsupported formatVersion " + formatVersion);
        require(calibration == null || calibration.temperature() > 0, "calibration temperature must be positive");
        require(calibration == null || logit != null, "calibration needs the logit tensor");
        require(unfamiliar == null || (embedding != null && unfamiliar.file() != null), "the unfamiliar detector needs the embedding tensor and its file");
        require(unfamiliar == null || unfamiliar.boundaryBand() == null || unfamiliar.boundaryBand() >= 0,
                "the unfamiliar detector's boundaryBand must not be negative");
        require(name != null && !name.isBlank(), "name is missing");
        require(architecture != null && !architecture.isBlank(), "architecture is missing");
        require(preprocessing != null, "preprocessing is missing");
        require(decisionThreshold > 0 && decisionThreshold < 1, "decisionThreshold must be in (0,1)");
        require(signatureKey != null && !signatureKey.isBlank(), "signatureKey is missing");
        require(input != null && input.name() != null && output != null && output.name() != null, "input/output tensor names are missing");
        List<Long> expected = List.of(-1L, (long) preprocessing.outputSize(), (long) preprocessing.outputSize(), (long) preprocessing.channels());
        require(expected.equals(input.shape()), "input shape " + input.shape() + " does not match the preprocessing " + expected);
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException("invalid " + FILE_NAME + ": " + problem);
        }
    }
}
