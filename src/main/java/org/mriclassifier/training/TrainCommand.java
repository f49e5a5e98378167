package org.mriclassifier.training;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelChecksums;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ModelDescriptors;
import org.mriclassifier.vision.PreprocessSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains one model on a stratified split and exports it (SavedModel + model.json), or, with {@code --folds},
 * cross-validates the recipe and reports the mean and spread of the folds.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model from labelled image folders, or cross-validate a training recipe (--folds).")
public final class TrainCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);
    private static final double SCORE_TOLERANCE = 1e-5;

    @Mixin
    DataOptions data;

    @Mixin
    TrainOptions options;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Model folder to create (SavedModel + model.json), or the report folder with --folds.")
    Path out;

    @Option(names = "--name", description = "Model name in model.json (default: the --out folder's name).")
    String name;

    @Option(names = "--model-version", defaultValue = "1", description = "Model version in model.json (default: ${DEFAULT-VALUE}).")
    String modelVersion;

    @Option(names = "--from-db", description = "Train from the confirmed rows of the configured database (MRI_DB_URL, or the "
            + "embedded one in the data directory: stop the server first) instead of --data folders; compare the candidate with "
            + "the active model per hospital and promote it through the registry only if the rule holds.")
    boolean fromDb;

    @Option(names = "--hospital", paramLabel = "NAME", description = "With --from-db: a hospital the candidate is for (repeatable; "
            + "default: every hospital with confirmed rows). It must be better there; every other hospital must hold.")
    List<String> hospitals = new ArrayList<>();

    @Option(names = "--min-gain", defaultValue = "0", description = "With --from-db: accuracy the candidate must gain on each target "
            + "hospital's held-out rows, more than this (default: ${DEFAULT-VALUE}).")
    double minGain;

    @Option(names = "--margin", defaultValue = "0.02", description = "With --from-db: accuracy, sensitivity and specificity the candidate may lose "
            + "on any other hospital and on --validation-data, at most (default: ${DEFAULT-VALUE}).")
    double margin;

    @Option(names = "--validation-data", paramLabel = "DIR", description = "With --from-db: labelled folders both models are also "
            + "compared on (repeatable), e.g. the shipped data's held-out folders; each must hold within --margin.")
    List<Path> validationData = new ArrayList<>();

    @Option(names = "--no-promote", description = "With --from-db: compare and report only.")
    boolean noPromote;

    @Option(names = "--fine-tune-from", paramLabel = "DIR|active", description = "Start from the weights of this model folder (as "
            + "train writes it), or with --from-db of the registry's active model, instead of from scratch: its model.json fixes "
            + "the architecture, filters, input size, channels, standardisation and preprocessing; the learning rate defaults to a "
            + "tenth of its own. Give fewer --epochs.")
    String fineTuneFrom;

    @Option(names = "--threshold-on-targets", description = "With --from-db, --hospital and --target-sensitivity: choose the "
            + "threshold on the target hospitals' tuning rows only, not on the whole tuning split (the rule still checks every "
            + "other hospital at that threshold).")
    boolean thresholdOnTargets;

    @Option(names = "--replay", paramLabel = "K", defaultValue = "4", description = "With --fine-tune-from, --from-db and --hospital: "
            + "besides the target hospitals' training rows, K times as many training rows drawn from the other hospitals, so "
            + "that the model keeps what it knew there (default: ${DEFAULT-VALUE}; all of them when there are fewer).")
    double replay;

    @Spec
    CommandSpec commandSpec;

    private final Map<String, String> environment;

    public TrainCommand() {
        this(System.getenv());
    }

    /** With the environment it reads the server's configuration from (train --from-db; tests pass their own). */
    TrainCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    /** From --oversample, checked once at the start of {@link #call()}. */
    private Oversampling oversampling;

    /** From --fine-tune-from, once resolved: the weights and recipe training starts from (null: from scratch). */
    private FineTuneSource source;

    /** With --threshold-on-targets: the data sets ("db:" + hospital) whose tuning rows choose the threshold (null: all). */
    private java.util.Set<String> thresholdDatasets;

    /** With fine-tuning on target hospitals: how many rows of each kind the training side drew (null otherwise). */
    private Map<String, Object> replayCounts;

    @Override
    public Integer call() throws Exception {
        requireEmpty(out);
        if (thresholdOnTargets && !fromDb) {
            throw new IllegalArgumentException("--threshold-on-targets chooses the threshold on target hospitals' rows: it needs --from-db");
        }
        if (fromDb) {
            if (data.hasDataDirs() || !options.leaveOut.isEmpty() || options.folds > 0) {
                throw new IllegalArgumentException("--from-db trains from the database: no --data, --leave-out or --folds with it");
            }
            oversampling = Oversampling.of(options.oversample, List.of());
            return trainFromDatabase();
        }
        if (fineTuneFrom != null) {
            if (!options.leaveOut.isEmpty() || options.folds > 0) {
                throw new IllegalArgumentException("--fine-tune-from trains one model: no --leave-out or --folds with it");
            }
            if ("active".equals(fineTuneFrom)) {
                throw new IllegalArgumentException("--fine-tune-from active reads the registry: it needs --from-db (or give a model folder)");
            }
            source = FineTuneSource.of(Path.of(fineTuneFrom));
        }
        if (!DeterministicOps.enabled()) {
            LOG.warn("{} is not set: this run's figures will differ from a rerun of the same command", DeterministicOps.ENV);
        }
        oversampling = Oversampling.of(options.oversample, data.dataDirs()); // refuses a wrong --oversample before any work
        PreprocessSpec spec = source != null ? adopt(source) : options.preprocessSpec();
        HyperParameters hyper = options.hyperParameters();
        LOG.info("Training {} on {} with input {}x{}x{}, {}", options.architecture().name(), data.dataDirs(),
                spec.outputSize(), spec.outputSize(), spec.channels(), hyper);
        PreparedData prepared = PreparedData.load(data, spec);
        if (!options.leaveOut.isEmpty()) {
            if (options.folds > 0) {
                throw new IllegalArgumentException("--leave-out and --folds are two ways to hold data out: choose one");
            }
            return leaveSourcesOut(prepared, spec, hyper);
        }
        return options.folds > 0 ? crossValidate(prepared, spec, hyper) : trainAndExport(prepared, spec, hyper);
    }

    /**
     * Trains on everything but the images under the --leave-out folders and their near-duplicates anywhere, and
     * reports each left-out folder: a source the model never saw, as a new hospital's scanner would be.
     */
    private int leaveSourcesOut(PreparedData prepared, PreprocessSpec spec, HyperParameters hyper) throws IOException {
        PrintStream console = System.out;
        List<Path> leftOut = new ArrayList<>();
        for (Path dir : options.leaveOut) {
            Path folder = dir.normalize();
            boolean inData = data.dataDirs().stream().map(Path::normalize).anyMatch(folder::startsWith);
            if (!inData || !Files.isDirectory(folder)) {
                throw new IllegalArgumentException("--leave-out " + dir + ": must be one of the --data folders " + data.dataDirs()
                        + " or a folder inside one");
            }
            leftOut.add(folder);
        }
        int[] groupOf = prepared.groups().groupOf();
        java.util.Set<Integer> touched = new java.util.HashSet<>();
        List<Integer> heldOut = new ArrayList<>();
        boolean[] isHeldOut = new boolean[prepared.samples().size()];
        for (int i = 0; i < prepared.samples().size(); i++) {
            if (under(prepared.samples().get(i), leftOut)) {
                heldOut.add(i);
                isHeldOut[i] = true;
                touched.add(groupOf[i]);
            }
        }
        List<Integer> trainList = new ArrayList<>();
        int nearDuplicatesExcluded = 0;
        for (int i = 0; i < prepared.samples().size(); i++) {
            if (isHeldOut[i]) {
                continue;
            }
            if (touched.contains(groupOf[i])) {
                nearDuplicatesExcluded++;
            } else {
                trainList.add(i);
            }
        }
        if (heldOut.isEmpty() || trainList.isEmpty()) {
            throw new IllegalArgumentException("--leave-out must leave some images out and some to train on: " + heldOut.size()
                    + " left out, " + trainList.size() + " to train on");
        }
        int[] trainIndices = trainList.stream().mapToInt(Integer::intValue).toArray();
        List<Sample> leftOutSamples = heldOut.stream().map(prepared.samples()::get).toList();
        Sides sides = sides(prepared, trainIndices, hyper);
        console.printf("Leave-out: %d images under %s left out, %d near-duplicates of them elsewhere excluded, %d training, %d tuning%n",
                leftOutSamples.size(), leftOut, nearDuplicatesExcluded, sides.fit().stream().distinct().count(), sides.tuning().size());

        Map<String, Object> report = reportHead(spec, hyper);
        report.put("leftOut", leftOut.stream().map(Path::toString).toList());
        report.put("leftOutImages", leftOutSamples.size());
        report.put("nearDuplicatesExcluded", nearDuplicatesExcluded);
        report.put("trainingImages", sides.fit().stream().distinct().count());
        report.put("tuningImages", sides.tuning().size());
        Evaluation evaluation;
        TrainingResult result;
        ServingFit fit;
        List<Double> leftOutUnfamiliar;
        try (TrainedModel model = TrainedModel.train(options.architecture(), spec, hyper, sides.fit(), sides.tuning(), data.threads())) {
            result = model.result();
            report.put("multiplyAddsPerImage", model.multiplyAdds());
            model.exportSavedModel(out);
            fit = fitServing(model, sides, out);
            evaluation = model.evaluate(leftOutSamples, fit.threshold(), fit.temperature());
            leftOutUnfamiliar = fit.detector() == null ? null : unfamiliarScores(model, leftOutSamples, fit.detector());
        }
        ModelChecksums.write(out);
        ModelDescriptors.write(out, descriptor(spec, hyper, prepared, sides, leftOutSamples, result, evaluation,
                "left-out source(s) " + leftOut + ", never trained on, near-duplicates excluded from training", fit));
        report.put("threshold", fit.threshold());
        report.put("calibration", fit.calibration());
        report.put("operatingPoint", fit.operatingPoint());
        report.put("unfamiliar", fit.unfamiliar());
        checkReloadedModelAgrees(evaluation);
        report.put("keptEpoch", result.keptEpoch());
        report.put("epochs", result.history().size());
        report.put("secondsPerEpoch", result.secondsPerEpoch());
        Map<String, Object> bySource = new LinkedHashMap<>();
        for (Path folder : leftOut) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < leftOutSamples.size(); i++) {
                if (leftOutSamples.get(i).file().path().normalize().startsWith(folder)) {
                    members.add(i);
                }
            }
            int[] labels = members.stream().mapToInt(i -> leftOutSamples.get(i).label().value()).toArray();
            float[] scores = new float[members.size()];
            for (int j = 0; j < scores.length; j++) {
                scores[j] = evaluation.scores()[members.get(j)];
            }
            BinaryMetrics metrics = BinaryMetrics.of(labels, scores, fit.threshold());
            console.print(Reports.metricsBlock("Left out, never seen: " + folder, metrics));
            Map<String, Object> figures = new LinkedHashMap<>(Reports.metricsMap(metrics));
            figures.put("threshold", fit.threshold());
            figures.put("ece", Calibrations.expectedCalibrationError(labels, scores));
            if (leftOutUnfamiliar != null) {
                int flagged = 0;
                int wrong = 0;
                int wrongFlagged = 0;
                for (int j = 0; j < members.size(); j++) {
                    boolean isFlagged = fit.detector().unfamiliar(leftOutUnfamiliar.get(members.get(j)))
                            || org.mriclassifier.inference.UnfamiliarInput.withinBand(scores[j], fit.threshold(),
                                    fit.unfamiliar().boundaryBand());
                    boolean isWrong = (scores[j] >= fit.threshold()) != (labels[j] == 1);
                    flagged += isFlagged ? 1 : 0;
                    wrong += isWrong ? 1 : 0;
                    wrongFlagged += isWrong && isFlagged ? 1 : 0;
                }
                figures.put("unfamiliar", flagged);
                figures.put("wrong", wrong);
                figures.put("wrongFlaggedUnfamiliar", wrongFlagged);
            }
            figures.put("sensitivityAtSpecificity90", nullIfNaN(OperatingPoints.sensitivityAtSpecificity(labels, scores, 0.90)));
            figures.put("specificityAtSensitivity90", nullIfNaN(OperatingPoints.specificityAtSensitivity(labels, scores, 0.90)));
            figures.put("specificityAtSensitivity95", nullIfNaN(OperatingPoints.specificityAtSensitivity(labels, scores, 0.95)));
            figures.put("medianTumorScore", nullIfNaN(median(labels, scores, 1)));
            figures.put("medianHealthyScore", nullIfNaN(median(labels, scores, 0)));
            bySource.put(folder.toString(), figures);
        }
        report.put("bySource", bySource);
        report.put("createdAt", Instant.now().toString());
        ModelDescriptors.mapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("loso-report.json").toFile(), report);
        ModelDescriptors.mapper().writeValue(out.resolve("training-history.json").toFile(), result.history());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("mode", "leave-out");
        summary.put("model", out.toString());
        summary.put("bySource", bySource);
        console.println(Reports.json(summary));
        return 0;
    }

    /**
     * Takes the source model's recipe for everything that shapes the graph and the input, refusing an option given
     * on the command line that contradicts it; the learning rate defaults to {@value FineTuneSource#RATE_FACTOR} of
     * the source's.
     */
    private PreprocessSpec adopt(FineTuneSource s) {
        picocli.CommandLine.ParseResult given = commandSpec.commandLine().getParseResult();
        List<String> conflicts = new ArrayList<>();
        if (options.architecture != null && !Architecture.byName(options.architecture).name().equals(s.architecture().name())) {
            conflicts.add("--arch " + options.architecture + " (the model is " + s.architecture().name() + ")");
        }
        if (options.inputSize != null && options.inputSize != s.spec().outputSize()) {
            conflicts.add("--input-size " + options.inputSize + " (the model's is " + s.spec().outputSize() + ")");
        }
        if (options.channels != null && options.channels != s.spec().channels()) {
            conflicts.add("--channels " + options.channels + " (the model's are " + s.spec().channels() + ")");
        }
        if (options.filters != null && options.filters != s.filters()) {
            conflicts.add("--filters " + options.filters + " (the model's are " + s.filters() + ")");
        }
        if (options.standardize && !s.standardize()) {
            conflicts.add("--standardize (the model does not standardise)");
        }
        if (given.hasMatchedOption("--clahe") && options.claheClipLimit != s.spec().claheClipLimit()) {
            conflicts.add("--clahe " + options.claheClipLimit + " (the model's is " + s.spec().claheClipLimit() + ")");
        }
        if (!conflicts.isEmpty()) {
            throw new IllegalArgumentException("--fine-tune-from " + s.dir() + " keeps that model's graph and input: drop " + String.join(", ", conflicts));
        }
        options.architecture = s.architecture().name();
        options.inputSize = s.spec().outputSize();
        options.channels = s.spec().channels();
        options.filters = s.filters();
        options.standardize = s.standardize();
        if (!given.hasMatchedOption("--learning-rate")) {
            options.learningRate = s.learningRate() * FineTuneSource.RATE_FACTOR;
        }
        LOG.info("Fine-tuning {} (version {}): {} at {} px, {} channel(s), filters {}, standardise {}, learning rate {}", s.dir(),
                s.descriptor().version(), s.architecture().name(), s.spec().outputSize(), s.spec().channels(), s.filters(), s.standardize(),
                options.learningRate);
        return s.spec();
    }

    /**
     * The training side of a fine-tuning for target hospitals: their training rows, and {@code --replay} times as many
     * drawn (seeded) from the other hospitals' training rows, which keeps the model from forgetting them.
     */
    private int[] withReplay(PreparedData prepared, int[] trainIndices, java.util.Set<String> targets,
                             Map<Sample, DatabaseTraining.Row> rowOf, long seed) {
        if (!(replay >= 0)) {
            throw new IllegalArgumentException("--replay must be 0 or more, not " + replay);
        }
        List<Integer> target = new ArrayList<>();
        List<Integer> others = new ArrayList<>();
        for (int i : trainIndices) {
            (targets.contains(rowOf.get(prepared.samples().get(i)).hospital()) ? target : others).add(i);
        }
        if (target.isEmpty()) {
            throw new IllegalArgumentException("the target hospitals " + targets + " have no confirmed training rows to fine-tune on");
        }
        int drawn = (int) Math.min(others.size(), Math.round(replay * target.size()));
        java.util.Collections.shuffle(others, new java.util.Random(seed + 2));
        List<Integer> chosen = new ArrayList<>(target);
        chosen.addAll(others.subList(0, drawn));
        java.util.Collections.sort(chosen);
        replayCounts = new LinkedHashMap<>();
        replayCounts.put("targetTrainingRows", target.size());
        replayCounts.put("replayedRows", drawn);
        replayCounts.put("otherTrainingRows", others.size());
        replayCounts.put("replay", replay);
        LOG.info("Fine-tuning on {} training rows of {} and {} replayed rows of the other hospitals (of {})", target.size(), targets,
                drawn, others.size());
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Calibration, decision threshold and unfamiliar detector, fitted after training on data the gradients never saw. */
    record ServingFit(double threshold, double temperature, ModelDescriptor.Calibration calibration,
                      ModelDescriptor.OperatingPoint operatingPoint, ModelDescriptor.Unfamiliar unfamiliar,
                      org.mriclassifier.inference.UnfamiliarDetector detector, long multiplyAdds, int embeddingSize) {
    }

    // embeddings of at most this many training images fit the detector: enough for a 128- or 512-dimensional covariance
    private static final int DETECTOR_FIT_IMAGES = 6000;

    private ServingFit fitServing(TrainedModel model, Sides sides, Path modelDir) throws IOException {
        if (options.targetSensitivity != null && sides.tuning().isEmpty()) {
            throw new IllegalArgumentException("--target-sensitivity chooses the threshold on the tuning split: give --tuning-split");
        }
        if (sides.tuning().isEmpty()) {
            LOG.warn("No tuning split: the model is served uncalibrated, with threshold {} and no unfamiliar-input detector", options.threshold);
            return new ServingFit(options.threshold, 1.0, null, null, null, null, model.multiplyAdds(), model.embeddingSize());
        }
        List<Sample> tuning = sides.tuning();
        int[] tuningLabels = Evaluation.labels(tuning);
        SessionPredictor.Outputs tuningOut = model.outputs(tuning);
        double temperature = Calibrations.fitTemperature(tuningLabels, tuningOut.logits());
        float[] before = Calibrations.probabilities(tuningOut.logits(), 1.0);
        float[] after = Calibrations.probabilities(tuningOut.logits(), temperature);
        ModelDescriptor.Calibration calibration = new ModelDescriptor.Calibration("temperature", temperature, tuning.size(),
                Calibrations.expectedCalibrationError(tuningLabels, before), Calibrations.expectedCalibrationError(tuningLabels, after));
        LOG.info("Temperature {} fitted on {} tuning images: ECE {} -> {}", String.format(java.util.Locale.ROOT, "%.3f", temperature),
                tuning.size(), String.format(java.util.Locale.ROOT, "%.4f", calibration.eceBefore()),
                String.format(java.util.Locale.ROOT, "%.4f", calibration.eceAfter()));

        double threshold = options.threshold;
        ModelDescriptor.OperatingPoint operatingPoint = null;
        if (options.targetSensitivity != null) {
            double target = options.targetSensitivity;
            if (!(target > 0 && target <= 1)) {
                throw new IllegalArgumentException("--target-sensitivity must lie in (0, 1], not " + target);
            }
            int[] labels = tuningLabels;
            float[] scores = after;
            if (thresholdDatasets != null) {
                // only the target hospitals' tuning rows choose it: the threshold is set where the new scanner's tumors lie
                int[] members = java.util.stream.IntStream.range(0, tuning.size())
                        .filter(i -> thresholdDatasets.contains(tuning.get(i).dataset())).toArray();
                if (members.length == 0 || java.util.Arrays.stream(members).noneMatch(i -> tuningLabels[i] == 1)) {
                    throw new IllegalArgumentException("--threshold-on-targets: the tuning split holds no tumor of the target hospitals");
                }
                labels = java.util.Arrays.stream(members).map(i -> tuningLabels[i]).toArray();
                scores = new float[members.length];
                for (int j = 0; j < members.length; j++) {
                    scores[j] = after[members[j]];
                }
            }
            threshold = Math.min(0.999, Math.max(1e-4, OperatingPoints.thresholdForSensitivity(labels, scores, target)));
            BinaryMetrics at = BinaryMetrics.of(labels, scores, threshold);
            operatingPoint = new ModelDescriptor.OperatingPoint(target, threshold, at.sensitivity(), at.specificity(), labels.length);
            LOG.info("Threshold {} for sensitivity {} on {} tuning images{}: sensitivity {}, specificity {}", threshold, target, labels.length,
                    thresholdDatasets == null ? "" : " of the target hospitals", at.sensitivity(), at.specificity());
        }

        List<Sample> fitImages = sides.fit().stream().distinct().toList();
        if (fitImages.size() > DETECTOR_FIT_IMAGES) {
            List<Sample> shuffled = new ArrayList<>(fitImages);
            java.util.Collections.shuffle(shuffled, new java.util.Random(options.seed));
            fitImages = shuffled.subList(0, DETECTOR_FIT_IMAGES);
        }
        SessionPredictor.Outputs fitOut = model.outputs(fitImages);
        org.mriclassifier.inference.UnfamiliarDetector.Parameters parameters = UnfamiliarFit.fit(fitOut.embeddings(), Evaluation.labels(fitImages));
        org.mriclassifier.inference.UnfamiliarDetector.write(modelDir, parameters);
        org.mriclassifier.inference.UnfamiliarDetector provisional = new org.mriclassifier.inference.UnfamiliarDetector(parameters, Double.POSITIVE_INFINITY);
        double[] tuningScores = tuningOut.embeddings().stream().mapToDouble(e -> provisional.score(e, 0)).toArray();
        double unfamiliarThreshold = UnfamiliarFit.percentile(tuningScores, options.unfamiliarPercentile);
        org.mriclassifier.inference.UnfamiliarDetector detector = new org.mriclassifier.inference.UnfamiliarDetector(parameters, unfamiliarThreshold);
        double band = org.mriclassifier.inference.UnfamiliarInput.bandHolding(after, threshold, options.boundaryShare);
        int flaggedCount = 0;
        for (int i = 0; i < tuningScores.length; i++) {
            boolean near = org.mriclassifier.inference.UnfamiliarInput.withinBand(after[i], threshold, band);
            flaggedCount += detector.unfamiliar(tuningScores[i]) || near ? 1 : 0;
        }
        double flaggedShare = flaggedCount / (double) tuningScores.length;
        ModelDescriptor.Unfamiliar unfamiliar = new ModelDescriptor.Unfamiliar("mahalanobis-nearest-class-mean",
                org.mriclassifier.inference.UnfamiliarDetector.FILE_NAME, unfamiliarThreshold, options.unfamiliarPercentile, flaggedShare,
                org.mriclassifier.inference.UnfamiliarInput.COLOURFULNESS_LIMIT, band, options.boundaryShare);
        LOG.info("Unfamiliar detector: {}-dimensional embedding, threshold {} ({} percentile of the tuning split); answers within {} logits "
                + "of the decision threshold ({} of the tuning split) flagged too; {} of the tuning split flagged", parameters.dimensions(),
                unfamiliarThreshold, options.unfamiliarPercentile, String.format(java.util.Locale.ROOT, "%.3f", band), options.boundaryShare,
                String.format(java.util.Locale.ROOT, "%.3f", flaggedShare));
        return new ServingFit(threshold, temperature, calibration, operatingPoint, unfamiliar, detector, model.multiplyAdds(),
                model.embeddingSize());
    }

    private static List<Double> unfamiliarScores(TrainedModel model, List<Sample> samples, org.mriclassifier.inference.UnfamiliarDetector detector) {
        return model.outputs(samples).embeddings().stream().map(e -> detector.score(e, 0)).toList();
    }

    private static boolean under(Sample sample, List<Path> folders) {
        Path file = sample.file().path().normalize();
        return folders.stream().anyMatch(file::startsWith);
    }

    private static Double nullIfNaN(double value) {
        return Double.isNaN(value) ? null : value;
    }

    private static double median(int[] labels, float[] scores, int label) {
        double[] values = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == label)
                .mapToDouble(i -> scores[i]).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        return values.length % 2 == 1 ? values[values.length / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }

    private int trainAndExport(PreparedData prepared, PreprocessSpec spec, HyperParameters hyper) throws IOException {
        PrintStream console = System.out;
        Split split = options.validationSplit > 0
                ? prepared.holdOut(options.validationSplit, hyper.seed())
                : new Split(allIndices(prepared), new int[0]);
        List<Sample> validation = prepared.select(split.heldOut());
        Sides sides = sides(prepared, split.train(), hyper);
        console.printf("Images: %d distinct (%d exact duplicate copies removed), %d training (%d presentations per epoch, oversampling included), %d tuning, %d validation%n",
                prepared.samples().size(), prepared.dedup().removedCopies(), sides.fit().stream().distinct().count(), sides.fit().size(),
                sides.tuning().size(), validation.size());

        String description = String.format(java.util.Locale.ROOT, "stratified %.0f%% validation split (seed %d) of %s, deduplicated",
                options.validationSplit * 100, hyper.seed(), data.dataDirs());
        Written written = trainAndWrite(spec, hyper, prepared, sides, validation, description);
        TrainingResult result = written.result();
        Evaluation evaluation = written.evaluation();
        ModelDescriptor descriptor = written.descriptor();
        if (evaluation != null) {
            checkReloadedModelAgrees(evaluation);
        }

        console.printf("Trained %s for %d epochs (kept epoch %d), %.1f s per epoch; model written to %s%n",
                descriptor.architecture(), result.history().size(), result.keptEpoch(), result.secondsPerEpoch(), out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("model", out.toString());
        summary.put("secondsPerEpoch", result.secondsPerEpoch());
        summary.put("keptEpoch", result.keptEpoch());
        EpochRecord kept = result.history().get(result.keptEpoch() - 1);
        if (!sides.tuning().isEmpty()) {
            summary.put("tuningLoss", kept.tuningLoss());
            summary.put("tuningAccuracy", kept.tuningAccuracy());
            summary.put("tuningAuc", kept.tuningAuc());
        }
        if (evaluation != null) {
            console.print(Reports.metricsBlock("Validation split (never trained on):", evaluation.overall()));
            evaluation.byDataset().forEach((dataset, metrics) -> console.print(Reports.metricsBlock("  of which " + dataset + ":", metrics)));
            summary.putAll(Reports.metricsMap(evaluation.overall()));
        }
        console.println(Reports.json(summary));
        return 0;
    }

    /**
     * {@code --from-db}: trains a candidate on the confirmed rows of the configured database, split by perceptual-hash
     * groups (near-duplicates stay on one side); compares it with the active model on the held-out rows of every
     * hospital and on --validation-data; promotes it through the registry (folder, model_registry, model_activation,
     * audit rows) only when it is better for the target hospitals and holds, within --margin, everywhere else.
     */
    private int trainFromDatabase() throws Exception {
        PrintStream console = System.out;
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        io.vertx.core.json.JsonObject config;
        try {
            config = org.mriclassifier.config.ConfigLoader.load(vertx, environment).await();
        } finally {
            vertx.close().await();
        }
        Path dataDir = Path.of(config.getString("data_dir", "./data"));
        boolean versionGiven = commandSpec.commandLine().getParseResult().hasMatchedOption("--model-version");
        if (!versionGiven) {
            modelVersion = "db-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                    .withZone(java.time.ZoneOffset.UTC).format(Instant.now());
        }
        if (!org.mriclassifier.models.ModelBundle.VERSION.matcher(modelVersion).matches()) {
            throw new IllegalArgumentException("--model-version must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        try (org.mriclassifier.db.DatabaseBootstrap.Prepared db = org.mriclassifier.db.DatabaseBootstrap.prepare(config.getJsonObject("db"), dataDir)) {
            String activeVersion = DatabaseTraining.activeVersion(db.target())
                    .orElseThrow(() -> new IllegalStateException("the registry has no active model: start the server once first"));
            Path modelsRoot = org.mriclassifier.models.ModelRegistry.root(dataDir);
            if (fineTuneFrom != null) {
                source = FineTuneSource.of("active".equals(fineTuneFrom) ? modelsRoot.resolve(activeVersion) : Path.of(fineTuneFrom));
            }
            PreprocessSpec spec = source != null ? adopt(source) : options.preprocessSpec();
            HyperParameters hyper = options.hyperParameters();
            List<DatabaseTraining.Row> rows = DatabaseTraining.confirmedRows(db.target(), spec);
            if (rows.size() < 10) {
                throw new IllegalArgumentException("the database has " + rows.size() + " confirmed rows: too few to train on");
            }
            Map<Sample, DatabaseTraining.Row> rowOf = new java.util.IdentityHashMap<>();
            rows.forEach(r -> rowOf.put(r.sample(), r));
            Deduplicator.Result dedup = Deduplicator.removeExactDuplicates(rows.stream().map(DatabaseTraining.Row::sample).toList());
            PreparedData prepared = new PreparedData(dedup.kept(), dedup, NearDuplicateGroups.of(dedup.kept(), data.nearDuplicateDistance()));
            double heldOutShare = options.validationSplit > 0 ? options.validationSplit : 0.2;
            Split split = prepared.holdOut(heldOutShare, hyper.seed());
            List<Sample> heldOut = prepared.select(split.heldOut());
            java.util.Set<String> targets = new java.util.TreeSet<>(hospitals.isEmpty()
                    ? rows.stream().map(DatabaseTraining.Row::hospital).toList() : hospitals);
            if (thresholdOnTargets) {
                if (hospitals.isEmpty() || options.targetSensitivity == null) {
                    throw new IllegalArgumentException("--threshold-on-targets needs --hospital and --target-sensitivity");
                }
                thresholdDatasets = new java.util.TreeSet<>(hospitals.stream().map(h -> "db:" + h).toList());
            }
            int[] trainIndices = source != null && !hospitals.isEmpty()
                    ? withReplay(prepared, split.train(), targets, rowOf, hyper.seed()) : split.train();
            Sides sides = sides(prepared, trainIndices, hyper);
            console.printf("Confirmed rows: %d distinct (%d exact copies removed), %d training, %d tuning, %d held out%n",
                    prepared.samples().size(), dedup.removedCopies(), sides.fit().stream().distinct().count(), sides.tuning().size(), heldOut.size());

            String description = String.format(java.util.Locale.ROOT,
                    "held-out %.0f%% (seed %d) of the database's confirmed rows, split by near-duplicate groups", heldOutShare * 100, hyper.seed());
            Written written = trainAndWrite(spec, hyper, prepared, sides, heldOut, description);
            TrainingResult result = written.result();
            Evaluation evaluation = written.evaluation();
            ModelDescriptor descriptor = written.descriptor();
            if (evaluation != null) {
                checkReloadedModelAgrees(evaluation);
            }

            List<DatabaseTraining.Probe> probes = new ArrayList<>();
            for (Sample sample : heldOut) {
                DatabaseTraining.Row row = rowOf.get(sample);
                probes.add(new DatabaseTraining.Probe(row.hospital(), sample.label() == Label.TUMOR, row.bytes()));
            }
            for (Path folder : validationData) {
                for (ImageFile file : DatasetScanner.scan(List.of(folder))) {
                    probes.add(new DatabaseTraining.Probe("validation:" + folder, file.label() == Label.TUMOR, Files.readAllBytes(file.path())));
                }
            }
            Map<String, io.vertx.core.json.JsonObject> comparison;
            try (Classifier active = Classifier.load(modelsRoot.resolve(activeVersion), data.threads(), 1);
                 Classifier candidate = Classifier.load(out, data.threads(), 1)) {
                comparison = DatabaseTraining.compare(active, candidate, probes);
            }
            boolean promote = DatabaseTraining.decide(comparison, targets, minGain, margin);
            io.vertx.core.json.JsonObject groups = new io.vertx.core.json.JsonObject();
            comparison.forEach(groups::put);
            io.vertx.core.json.JsonObject report = new io.vertx.core.json.JsonObject()
                    .put("candidate", modelVersion).put("candidate_dir", out.toString()).put("active", activeVersion)
                    .put("targets", new io.vertx.core.json.JsonArray(new ArrayList<>(targets)))
                    .put("min_gain", minGain).put("margin", margin)
                    .put("rule", "better accuracy on every target hospital's held-out rows; elsewhere accuracy, sensitivity and specificity lose at most the margin")
                    .put("fine_tuned_from", source == null ? null : new io.vertx.core.json.JsonObject(source.summary()))
                    .put("replay", replayCounts == null ? null : new io.vertx.core.json.JsonObject(replayCounts))
                    .put("groups", groups)
                    .put("promote", promote);
            console.printf("Candidate %s against the active model %s (held-out rows per hospital, and --validation-data):%n", modelVersion, activeVersion);
            comparison.forEach((group, entry) -> console.printf(java.util.Locale.ROOT, "  %-30s n=%-5d accuracy %s -> %s  %s%s%n", group,
                    entry.getInteger("n"), accuracy(entry, "active"), accuracy(entry, "candidate"),
                    Boolean.TRUE.equals(entry.getBoolean("target")) ? "[target] " : "", entry.getString("verdict")));
            if (promote && !noPromote) {
                DatabaseTraining.promote(db.target(), modelsRoot, out, modelVersion,
                        ModelDescriptors.mapper().writeValueAsString(descriptor), descriptor.architecture(), descriptor.name(),
                        descriptor.createdAt(), report);
                report.put("promoted", true);
                console.printf("Promoted: %s is registered and active; a server on this database serves it from its next start "
                        + "(POST /models/%s/activate rolls back)%n", modelVersion, activeVersion);
            } else {
                report.put("promoted", false);
                console.println(promote ? "Not promoted (--no-promote): the rule holds" : "Not promoted: the rule does not hold");
            }
            Files.writeString(out.resolve("comparison.json"), report.encodePrettily());
            console.println(report.encode());
            return 0;
        }
    }

    private static String accuracy(io.vertx.core.json.JsonObject entry, String side) {
        io.vertx.core.json.JsonObject figures = entry.getJsonObject(side);
        io.vertx.core.json.JsonObject a = figures == null ? null : figures.getJsonObject("accuracy");
        return a == null ? "-" : String.format(java.util.Locale.ROOT, "%.3f", a.getDouble("value"));
    }

    private int crossValidate(PreparedData prepared, PreprocessSpec spec, HyperParameters hyper) throws IOException {
        PrintStream console = System.out;
        List<Split> folds = StratifiedSplitter.kFold(prepared.samples(), prepared.groups().groupOf(), options.folds, hyper.seed());
        List<Map<String, Object>> foldReports = new ArrayList<>();
        Map<String, List<BinaryMetrics>> byScope = new LinkedHashMap<>();
        List<Double> secondsPerEpoch = new ArrayList<>();
        for (int f = 0; f < folds.size(); f++) {
            Split fold = folds.get(f);
            List<Sample> heldOut = prepared.select(fold.heldOut());
            Sides sides = sides(prepared, fold.train(), hyper);
            LOG.info("Fold {}/{}: {} training, {} tuning, {} held out", f + 1, folds.size(), sides.fit().size(), sides.tuning().size(), heldOut.size());
            try (TrainedModel model = TrainedModel.train(options.architecture(), spec, hyper, sides.fit(), sides.tuning(), data.threads())) {
                Evaluation evaluation = model.evaluate(heldOut, options.threshold);
                secondsPerEpoch.add(model.result().secondsPerEpoch());
                byScope.computeIfAbsent("all", k -> new ArrayList<>()).add(evaluation.overall());
                evaluation.byDataset().forEach((dataset, metrics) -> byScope.computeIfAbsent(dataset, k -> new ArrayList<>()).add(metrics));
                Map<String, Object> foldReport = new LinkedHashMap<>(Reports.metricsMap(evaluation.overall()));
                foldReport.put("fold", f + 1);
                foldReport.put("keptEpoch", model.result().keptEpoch());
                Map<String, Object> foldByDataset = new LinkedHashMap<>();
                evaluation.byDataset().forEach((dataset, metrics) -> foldByDataset.put(dataset, Reports.metricsMap(metrics)));
                foldReport.put("byDataset", foldByDataset);
                foldReports.add(foldReport);
                console.print(Reports.metricsBlock("Fold " + (f + 1) + " held out:", evaluation.overall()));
                if (evaluation.byDataset().size() > 1) {
                    evaluation.byDataset().forEach((dataset, metrics) ->
                            console.print(Reports.metricsBlock("  of which " + dataset + ":", metrics)));
                }
            }
            // a long cross-validation leaves its finished folds on disk as it goes, not only at the end
            writeCvReport(spec, hyper, foldStatisticsByScope(byScope), foldReports);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("mode", "cross-validation");
        summary.put("folds", options.folds);
        console.printf("%d-fold cross-validation of %s (mean ± sample std over folds):%n", options.folds, options.architecture().name());
        Map<String, Object> scopes = foldStatisticsByScope(byScope);
        scopes.forEach((scope, statistics) -> {
            Map<String, Object> stats = castMap(statistics);
            console.printf("  %-40s accuracy %.4f ± %.4f  F1 %.4f ± %.4f  AUC %.4f ± %.4f  (pooled TP %s TN %s FP %s FN %s)%n", scope,
                    stats.get("accuracyMean"), stats.get("accuracyStd"), stats.get("f1Mean"), stats.get("f1Std"),
                    stats.get("aucMean"), stats.get("aucStd"), stats.get("tp"), stats.get("tn"), stats.get("fp"), stats.get("fn"));
        });
        summary.putAll(castMap(scopes.get("all")));
        summary.put("secondsPerEpoch", Reports.mean(secondsPerEpoch));
        writeCvReport(spec, hyper, scopes, foldReports);
        console.println(Reports.json(summary));
        return 0;
    }

    private static Map<String, Object> foldStatisticsByScope(Map<String, List<BinaryMetrics>> byScope) {
        Map<String, Object> scopes = new LinkedHashMap<>();
        byScope.forEach((scope, metrics) -> scopes.put(scope, foldStatistics(metrics)));
        return scopes;
    }

    /** What every report of this command starts with: the command line and the recipe. */
    private Map<String, Object> reportHead(PreprocessSpec spec, HyperParameters hyper) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("command", Reports.commandLine("train", commandSpec.commandLine().getParseResult().originalArgs()));
        report.put("architecture", options.architecture().name());
        report.put("preprocessing", spec);
        report.put("hyperParameters", hyper);
        report.put("oversample", options.oversample);
        return report;
    }

    /** cv-report.json in --out: the command, the recipe, the statistics over the folds done so far and each fold's figures. */
    private void writeCvReport(PreprocessSpec spec, HyperParameters hyper, Map<String, Object> scopes,
                               List<Map<String, Object>> foldReports) throws IOException {
        Map<String, Object> report = reportHead(spec, hyper);
        report.put("foldsPlanned", options.folds);
        report.put("foldsDone", foldReports.size());
        report.put("summary", scopes);
        report.put("folds", foldReports);
        report.put("createdAt", Instant.now().toString());
        Files.createDirectories(out);
        ModelDescriptors.mapper().writeValue(out.resolve("cv-report.json").toFile(), report);
    }

    private static Map<String, Object> foldStatistics(List<BinaryMetrics> metrics) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("n", metrics.stream().mapToInt(BinaryMetrics::n).sum());
        stats.put("accuracyMean", Reports.mean(metrics.stream().map(BinaryMetrics::accuracy).toList()));
        stats.put("accuracyStd", Reports.std(metrics.stream().map(BinaryMetrics::accuracy).toList()));
        stats.put("f1Mean", Reports.mean(metrics.stream().map(BinaryMetrics::f1).toList()));
        stats.put("f1Std", Reports.std(metrics.stream().map(BinaryMetrics::f1).toList()));
        List<Double> aucs = metrics.stream().map(BinaryMetrics::auc).filter(a -> !Double.isNaN(a)).toList();
        stats.put("aucMean", Reports.mean(aucs));
        stats.put("aucStd", Reports.std(aucs));
        stats.put("tp", metrics.stream().mapToInt(BinaryMetrics::tp).sum());
        stats.put("tn", metrics.stream().mapToInt(BinaryMetrics::tn).sum());
        stats.put("fp", metrics.stream().mapToInt(BinaryMetrics::fp).sum());
        stats.put("fn", metrics.stream().mapToInt(BinaryMetrics::fn).sum());
        stats.put("perFoldAccuracy", metrics.stream().map(BinaryMetrics::accuracy).toList());
        return stats;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object map) {
        return (Map<String, Object>) map;
    }

    /**
     * The tuning share of a training side, as positions in {@code trainIndices}. Its seed differs from the outer
     * split's, so it is not the same draw again. Evaluation re-derives it with this same method.
     */
    static Split tuningHoldOut(PreparedData prepared, int[] trainIndices, double fraction, long seed) {
        return StratifiedSplitter.holdOut(prepared.select(trainIndices), prepared.groupsOf(trainIndices), fraction, seed + 1);
    }

    /** The images the gradients see and, when asked for, the images that pick the epoch. */
    /** What one training run wrote to {@code out}: its result, its figures on the held-out samples (null: none), its model.json. */
    private record Written(TrainingResult result, Evaluation evaluation, ModelDescriptor descriptor) {
    }

    /**
     * Trains on the fit side, exports the SavedModel, fits the serving calibration, threshold and unfamiliar detector,
     * evaluates on {@code heldOut}, and writes the checksums, model.json and training-history.json: the steps a model
     * from folders and a model from the database share.
     */
    private Written trainAndWrite(PreprocessSpec spec, HyperParameters hyper, PreparedData prepared, Sides sides,
                                  List<Sample> heldOut, String description) throws IOException {
        Evaluation evaluation;
        TrainingResult result;
        ServingFit fit;
        try (TrainedModel model = TrainedModel.train(options.architecture(), spec, hyper, sides.fit(), sides.tuning(), data.threads(), source)) {
            result = model.result();
            model.exportSavedModel(out);
            fit = fitServing(model, sides, out);
            evaluation = heldOut.isEmpty() ? null : model.evaluate(heldOut, fit.threshold(), fit.temperature());
        }
        ModelChecksums.write(out);
        ModelDescriptor descriptor = descriptor(spec, hyper, prepared, sides, heldOut, result, evaluation, description, fit);
        ModelDescriptors.write(out, descriptor);
        ModelDescriptors.mapper().writeValue(out.resolve("training-history.json").toFile(), result.history());
        return new Written(result, evaluation, descriptor);
    }

    private record Sides(List<Sample> fit, List<Sample> tuning) {
    }

    private Sides sides(PreparedData prepared, int[] trainIndices, HyperParameters hyper) {
        List<Sample> trainSide = prepared.select(trainIndices);
        if (hyper.tuningSplit() <= 0) {
            return new Sides(oversampling.apply(trainSide), List.of());
        }
        Split inner = tuningHoldOut(prepared, trainIndices, hyper.tuningSplit(), hyper.seed());
        return new Sides(oversampling.apply(java.util.Arrays.stream(inner.train()).mapToObj(trainSide::get).toList()),
                java.util.Arrays.stream(inner.heldOut()).mapToObj(trainSide::get).toList());
    }

    private ModelDescriptor descriptor(PreprocessSpec spec, HyperParameters hyper, PreparedData prepared, Sides sides,
                                       List<Sample> validation, TrainingResult result, Evaluation evaluation, String description,
                                       ServingFit fit) {
        Map<String, Object> hyperParameters = new LinkedHashMap<>();
        hyperParameters.put("epochs", hyper.epochs());
        hyperParameters.put("batchSize", hyper.batchSize());
        hyperParameters.put("learningRate", hyper.learningRate());
        hyperParameters.put("optimizer", "Adam");
        hyperParameters.put("loss", "binary cross-entropy");
        hyperParameters.put("seed", hyper.seed());
        hyperParameters.put("filters", hyper.filters());
        hyperParameters.put("l2", hyper.l2());
        hyperParameters.put("validationSplit", options.validationSplit);
        hyperParameters.put("tuningSplit", hyper.tuningSplit());
        hyperParameters.put("patience", hyper.patience());
        hyperParameters.put("fineTune", hyper.fineTune());
        hyperParameters.put("epochChoice", hyper.perSourceEpochChoice() ? "per-source" : "pooled");
        hyperParameters.put("warmUpEpochs", hyper.warmUpEpochs());
        hyperParameters.put("nearDuplicateDistance", data.nearDuplicateDistance());
        hyperParameters.put("keepDuplicates", data.keepDuplicates());
        hyperParameters.put("deterministicOps", DeterministicOps.enabled());
        hyperParameters.put("augmentation", hyper.augment());
        hyperParameters.put("standardize", hyper.standardize());
        hyperParameters.put("targetSensitivity", options.targetSensitivity);
        if (thresholdDatasets != null) {
            hyperParameters.put("thresholdOn", List.copyOf(thresholdDatasets));
        }
        hyperParameters.put("unfamiliarPercentile", options.unfamiliarPercentile);
        hyperParameters.put("oversample", options.oversample);
        if (source != null) {
            hyperParameters.put("fineTunedFrom", source.summary());
        }
        if (replayCounts != null) {
            hyperParameters.put("replay", replayCounts);
        }
        List<Sample> trainingImages = Stream.concat(sides.fit().stream(), sides.tuning().stream()).distinct().toList();
        ModelDescriptor.TrainingInfo training = new ModelDescriptor.TrainingInfo(
                fromDb ? List.of("database: confirmed rows") : data.dataDirs().stream().map(Path::toString).toList(),
                Reports.commandLine("train", commandSpec.commandLine().getParseResult().originalArgs()),
                hyperParameters, trainingImages.size() - sides.tuning().size(), sides.tuning().size(), validation.size(),
                SampleSetHash.of(trainingImages), SampleSetHash.of(validation), prepared.dedup().removedCopies(),
                result.keptEpoch(), result.history().size(), result.secondsPerEpoch());
        int size = spec.outputSize();
        return new ModelDescriptor(ModelDescriptor.FORMAT_VERSION, name != null ? name : out.getFileName().toString(), modelVersion,
                options.architecture().name(), options.architecture().description(), spec, fit.threshold(),
                TrainingGraph.SIGNATURE_KEY,
                new ModelDescriptor.TensorSpec(TrainingGraph.INPUT, List.of(-1L, (long) size, (long) size, (long) spec.channels())),
                new ModelDescriptor.TensorSpec(TrainingGraph.OUTPUT, List.of(-1L, 1L)),
                training, evaluation == null ? null : evaluation.figures(description), null, Instant.now().toString(),
                new ModelDescriptor.TensorSpec(TrainingGraph.LOGIT, List.of(-1L, 1L)),
                new ModelDescriptor.TensorSpec(TrainingGraph.EMBEDDING, List.of(-1L, (long) fit.embeddingSize())),
                fit.calibration(), fit.operatingPoint(), fit.unfamiliar(), fit.multiplyAdds());
    }

    /** Serving must see what training saw: reload the export and compare every validation score. */
    private void checkReloadedModelAgrees(Evaluation inSession) {
        try (Classifier classifier = Classifier.load(out)) {
            Evaluation reloaded = Evaluator.evaluate(classifier, inSession.samples());
            double worst = 0;
            for (int i = 0; i < inSession.scores().length; i++) {
                worst = Math.max(worst, Math.abs(inSession.scores()[i] - reloaded.scores()[i]));
            }
            if (worst > SCORE_TOLERANCE || !inSession.overall().equals(reloaded.overall())) {
                throw new IllegalStateException("the exported model disagrees with the trained one: largest score difference " + worst);
            }
            LOG.info("Reloaded {}: validation scores identical (largest difference {})", out, worst);
        }
    }

    private static int[] allIndices(PreparedData prepared) {
        return java.util.stream.IntStream.range(0, prepared.samples().size()).toArray();
    }

    private static void requireEmpty(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("output folder " + dir + " is not empty; choose a new one");
                }
            }
        }
    }
}
