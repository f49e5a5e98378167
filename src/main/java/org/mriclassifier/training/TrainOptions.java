package org.mriclassifier.training;

import picocli.CommandLine.Option;

/** Training settings from the command line, with the original's choices as defaults where it made one. */
public final class TrainOptions {

    @Option(names = "--arch", description = "Architecture: seed (the original), bncnn (batch-normalised, larger input) or lite (depthwise-separable, a ninth of bncnn's cost). "
            + "Required, unless --fine-tune-from gives it.")
    String architecture;

    @Option(names = "--epochs", defaultValue = "30", description = "Maximum epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for splits, initialisation, shuffling, dropout, augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--validation-split", defaultValue = "0.2",
            description = "Share of each (data set, label) held out for validation, never trained on (default: ${DEFAULT-VALUE}; 0 = train on everything).")
    double validationSplit;

    @Option(names = "--tuning-split", defaultValue = "0",
            description = "Share of the training side held back to pick the best epoch and stop early (default: ${DEFAULT-VALUE} = keep the last epoch).")
    double tuningSplit;

    @Option(names = "--patience", defaultValue = "6", description = "Epochs without a better tuning loss before stopping (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--fine-tune", description = "With a tuning split: when the tuning loss stalls, go back to the best epoch "
            + "and continue at a tenth of the learning rate until it stalls again.")
    boolean fineTune;

    @Option(names = "--folds", defaultValue = "0", description = "Cross-validation with K folds instead of one model: reports mean and spread (default: off).")
    int folds;

    @Option(names = "--input-size", description = "Network input side in pixels (default: the architecture's, 32 for seed, 128 for bncnn).")
    Integer inputSize;

    @Option(names = "--channels", description = "1 (grey) or 3 (colour) (default: the architecture's, 3 for seed as the original, 1 for bncnn).")
    Integer channels;

    @Option(names = "--filters", description = "Base filter count (default: 16).")
    Integer filters;

    @Option(names = "--clahe", paramLabel = "CLIP", defaultValue = "0",
            description = "Contrast-limited adaptive histogram equalisation of the network input at this clip limit, e.g. 2 "
                    + "(default: ${DEFAULT-VALUE} = off, as the original). Stored with the model, so serving does the same.")
    double claheClipLimit;

    @Option(names = "--clahe-tiles", paramLabel = "N", defaultValue = "8", description = "CLAHE tile grid N x N (default: ${DEFAULT-VALUE}).")
    int claheTiles;

    @Option(names = "--epoch-choice", defaultValue = "pooled", paramLabel = "pooled|per-source",
            description = "How the tuning split picks the epoch: its pooled loss, or the mean of each --data folder's tuning "
                    + "loss, so a small source counts as much as a large one (default: ${DEFAULT-VALUE}).")
    String epochChoice;

    @Option(names = "--warm-up-epochs", paramLabel = "N", defaultValue = "0",
            description = "With a tuning split: the first N epochs are neither kept nor counted towards --patience "
                    + "(default: ${DEFAULT-VALUE}; must be under --epochs).")
    int warmUpEpochs;

    @Option(names = "--l2", defaultValue = "0", description = "L2 weight decay on kernels (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--augment", description = "Augment the training side: rotation, flips, zoom, brightness.")
    boolean augment;

    @Option(names = "--rotation", defaultValue = "15", description = "Augmentation: maximum rotation in degrees (default: ${DEFAULT-VALUE}).")
    double rotation;

    @Option(names = "--flip-horizontal", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Augmentation: random left-right mirroring (default: on).")
    boolean flipHorizontal;

    @Option(names = "--flip-vertical", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Augmentation: random top-bottom mirroring (default: off).")
    boolean flipVertical;

    @Option(names = "--zoom", defaultValue = "0.1", description = "Augmentation: maximum zoom in or out, as a fraction (default: ${DEFAULT-VALUE}).")
    double zoom;

    @Option(names = "--brightness", defaultValue = "0.2", description = "Augmentation: maximum brightness change, as a fraction (default: ${DEFAULT-VALUE}).")
    double brightness;

    @Option(names = "--oversample", paramLabel = "DIR=K", mapFallbackValue = "1",
            description = "Show the training images under DIR K times per epoch, each copy augmented anew, so a small source "
                    + "is not drowned by a large one. DIR is a --data folder as given, or a folder inside one (one label's "
                    + "folder, e.g. DATA/yes); the most specific DIR wins (repeatable).")
    java.util.Map<String, Integer> oversample = new java.util.LinkedHashMap<>();

    @Option(names = "--intensity", defaultValue = "none", paramLabel = "none|strong",
            description = "With --augment: intensity, contrast and quality augmentation (gamma, random intensity curves, "
                    + "inversion, blur, noise, resolution changes, JPEG recompression); strong makes a sequence's look useless "
                    + "as a cue (default: ${DEFAULT-VALUE}).")
    String intensity;

    @Option(names = "--standardize", description = "Standardise each image (zero mean, unit deviation) inside the network, "
            + "so serving does the same: removes a source's overall brightness and contrast.")
    boolean standardize;

    @Option(names = "--leave-out", paramLabel = "DIR",
            description = "Leave-one-source-out: train on every --data folder except the images under DIR (a --data folder or "
                    + "a folder inside one; repeatable) and near-duplicates of them, then report sensitivity, specificity and "
                    + "ROC AUC on DIR: how the recipe does on a source it never saw. Writes loso-report.json beside the model.")
    java.util.List<java.nio.file.Path> leaveOut = new java.util.ArrayList<>();

    @Option(names = "--target-sensitivity", paramLabel = "S",
            description = "Choose the decision threshold on the tuning split: the highest at which at least S of its tumors are "
                    + "found (screening: a missed tumor costs more than a second look); stored in model.json with the "
                    + "specificity it costs. Needs --tuning-split (default: use --threshold).")
    Double targetSensitivity;

    @Option(names = "--unfamiliar-percentile", paramLabel = "P", defaultValue = "0.97",
            description = "With a tuning split: the unfamiliar flag's threshold is this percentile of the tuning split's "
                    + "embedding distances, so about 1-P of in-distribution images are flagged (default: ${DEFAULT-VALUE}).")
    double unfamiliarPercentile;

    @Option(names = "--boundary-share", paramLabel = "S", defaultValue = "0.015",
            description = "With a tuning split: answers within a band of logits around the decision threshold are flagged "
                    + "unfamiliar too, the band holding this share of the tuning split (default: ${DEFAULT-VALUE}; 0 = no band). "
                    + "On a source the model never saw, scores drift towards the threshold: the band catches wrong answers "
                    + "that the embedding distance misses.")
    double boundaryShare;

    @Option(names = "--threshold", defaultValue = "0.5", description = "Decision threshold stored with the model (default: ${DEFAULT-VALUE}).")
    double threshold;

    Architecture architecture() {
        if (architecture == null) {
            throw new IllegalArgumentException("--arch is required (seed, bncnn or lite), unless --fine-tune-from gives it");
        }
        return Architecture.byName(architecture);
    }

    HyperParameters hyperParameters() {
        AugmentSpec augmentation = augment
                ? new AugmentSpec(true, rotation, flipHorizontal, flipVertical, zoom, brightness, intensityAugment())
                : AugmentSpec.none();
        int baseFilters = filters != null ? filters : architecture().defaultFilters();
        boolean perSource = switch (epochChoice) {
            case "pooled" -> false;
            case "per-source" -> true;
            default -> throw new IllegalArgumentException("--epoch-choice must be pooled or per-source, not " + epochChoice);
        };
        return new HyperParameters(epochs, batchSize, learningRate, seed, baseFilters, l2, tuningSplit, patience, augmentation,
                fineTune, perSource, warmUpEpochs, standardize);
    }

    IntensityAugment intensityAugment() {
        return switch (intensity) {
            case "none" -> IntensityAugment.none();
            case "strong" -> IntensityAugment.strong();
            default -> throw new IllegalArgumentException("--intensity must be none or strong, not " + intensity);
        };
    }

    org.mriclassifier.vision.PreprocessSpec preprocessSpec() {
        int size = inputSize != null ? inputSize : architecture().defaultInputSize();
        int channelCount = channels != null ? channels : architecture().defaultChannels();
        return org.mriclassifier.vision.PreprocessSpec.original().withOutputSize(size).withChannels(channelCount)
                .withClahe(claheClipLimit, claheTiles);
    }
}
