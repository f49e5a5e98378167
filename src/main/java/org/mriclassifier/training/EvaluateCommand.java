package org.mriclassifier.training;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ModelDescriptors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Evaluates a model (by default the shipped one) on labelled folders, deduplicated, and writes the confusion matrix
 * and ROC curve as PNGs. The last line printed is one JSON object with the figures.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a model on labelled image folders (default model: model/default, or $MRI_MODEL_DIR).")
public final class EvaluateCommand implements Callable<Integer> {

    static final String DEFAULT_MODEL_DIR = "model/default";
    static final String MODEL_DIR_ENV = "MRI_MODEL_DIR";

    /** Which images of the folders to score. */
    enum Subset { all, validation, tuning }

    @Option(names = "--model", paramLabel = "DIR", description = "Model folder (default: $" + MODEL_DIR_ENV + " or " + DEFAULT_MODEL_DIR + ").")
    Path modelDir;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "all",
            description = "all: every distinct image; validation: re-derive the model's own held-out split from these folders "
                    + "(checked against the hash in model.json); tuning: the part of its training side that picked the epoch "
                    + "(never fitted on; the place to study a decision threshold) (default: ${DEFAULT-VALUE}).")
    Subset split;

    @Option(names = "--fit-boundary-share", paramLabel = "S",
            description = "With --split tuning: fit the unfamiliar flag's band around the decision threshold so that it holds "
                    + "this share of the tuning split, and write it into the model's model.json (what train --boundary-share "
                    + "does, for a model trained before the band existed).")
    Double fitBoundaryShare;

    @Option(names = "--pictures", paramLabel = "DIR", defaultValue = "target/evaluation",
            description = "Folder for confusion-matrix.png and roc.png (default: ${DEFAULT-VALUE}).")
    Path pictures;

    @Option(names = "--scores", paramLabel = "FILE",
            description = "Also write every scored image as CSV: dataset, path, label, probability (for threshold studies).")
    Path scoresFile;

    @Override
    public Integer call() throws IOException {
        PrintStream console = System.out;
        Path model = resolveModelDir();
        try (Classifier classifier = Classifier.load(model, data.threads(), 1)) {
            ModelDescriptor descriptor = classifier.descriptor();
            boolean ownSplit = split != Subset.all;
            int groupingDistance = ownSplit ? trainedGroupingDistance(descriptor) : data.nearDuplicateDistance();
            PreparedData prepared = ownSplit && trainedKeepingDuplicates(descriptor)
                    ? PreparedData.loadKeepingDuplicates(data.dataDirs(), data.threads(), descriptor.preprocessing())
                    : PreparedData.load(data.dataDirs(), groupingDistance, data.threads(), descriptor.preprocessing());
            List<Sample> samples = switch (split) {
                case all -> prepared.samples();
                case validation -> validationSide(prepared, descriptor);
                case tuning -> tuningSide(prepared, descriptor);
            };
            Evaluator.Scored scored = Evaluator.evaluateWithScores(classifier, samples);
            if (fitBoundaryShare != null) {
                if (split != Subset.tuning) {
                    throw new IllegalArgumentException("--fit-boundary-share fits on the tuning split: give --split tuning");
                }
                if (descriptor.unfamiliar() == null) {
                    throw new IllegalArgumentException("model " + descriptor.name() + " has no unfamiliar-input detector to extend");
                }
                double band = org.mriclassifier.inference.UnfamiliarInput.bandHolding(scored.evaluation().scores(),
                        descriptor.decisionThreshold(), fitBoundaryShare);
                ModelDescriptor.Unfamiliar detector = descriptor.unfamiliar();
                scored = Evaluator.rescored(descriptor.withUnfamiliar(detector.withBoundary(band, fitBoundaryShare,
                        detector.tuningFlaggedShare())), samples, scored);
                double flaggedShare = count(scored.unfamiliar()) / (double) samples.size();
                descriptor = descriptor.withUnfamiliar(detector.withBoundary(band, fitBoundaryShare, flaggedShare));
                ModelDescriptors.write(model, descriptor);
                console.printf("Boundary band: answers within %.3f logits of the threshold %.4f (%.3f of the tuning split) are flagged "
                        + "unfamiliar; written to %s%n", descriptor.unfamiliar().boundaryBand(), descriptor.decisionThreshold(),
                        fitBoundaryShare, model.resolve(ModelDescriptor.FILE_NAME));
            }
            Evaluation evaluation = scored.evaluation();
            BinaryMetrics overall = evaluation.overall();

            String title = descriptor.name() + " on " + (split == Subset.all ? "all images" : "its " + split + " split");
            console.printf("Model %s %s (%s, input %dx%dx%d) from %s%n", descriptor.name(), descriptor.version(), descriptor.architecture(),
                    descriptor.preprocessing().outputSize(), descriptor.preprocessing().outputSize(), descriptor.preprocessing().channels(), model);
            console.printf("Data %s: %d distinct images (%d exact duplicate copies skipped), %d scored, %d without a brain contour or not slice-like%n",
                    data.dataDirs(), prepared.samples().size(), prepared.dedup().removedCopies(), samples.size(),
                    samples.stream().filter(Sample::notASlice).count());
            console.print(Reports.metricsBlock(title + ":", overall));
            Map<String, BinaryMetrics> perDataset = evaluation.byDataset();
            if (perDataset.size() > 1) {
                perDataset.forEach((dataset, metrics) -> console.print(Reports.metricsBlock("  of which " + dataset + ":", metrics)));
            }
            double ece = Calibrations.expectedCalibrationError(evaluation.labels(), evaluation.scores());
            int unfamiliarCount = count(scored.unfamiliar());
            console.printf("Calibration: expected calibration error %.4f (%d bins); unfamiliar: %d of %d flagged%n", ece,
                    Calibrations.ECE_BINS, unfamiliarCount, samples.size());
            Map<String, Object> byFolder = perFolder(samples, scored);
            console.println("Per folder (the source or class folder under each --data folder):");
            console.printf("  %-60s %6s %11s %11s %7s %7s %10s%n", "folder", "images", "sensitivity", "specificity", "AUC", "ECE", "unfamiliar");
            byFolder.forEach((folder, figures) -> {
                Map<String, Object> f = castMap(figures);
                console.printf("  %-60s %6s %11s %11s %7s %7s %10s%n", folder, f.get("n"), fmt(f.get("sensitivity")), fmt(f.get("specificity")),
                        fmt(f.get("auc")), fmt(f.get("ece")), f.get("unfamiliar"));
            });
            Path matrix = EvaluationCharts.writeConfusionMatrix(overall, title, pictures.resolve("confusion-matrix.png"));
            Path roc = EvaluationCharts.writeRoc(RocCurve.of(evaluation.labels(), evaluation.scores()), overall.auc(), title, pictures.resolve("roc.png"));
            Path reliability = EvaluationCharts.writeReliability(evaluation.labels(), evaluation.scores(), title, pictures.resolve("reliability.png"));
            console.printf("Pictures: %s, %s, %s%n", matrix, roc, reliability);
            if (scoresFile != null) {
                writeScores(scored, scoresFile);
                console.printf("Scores: %s%n", scoresFile);
            }

            Map<String, Object> json = new LinkedHashMap<>(Reports.metricsMap(overall));
            json.put("ece", ece);
            json.put("unfamiliar", unfamiliarCount);
            json.put("model", descriptor.name());
            json.put("split", split.name());
            json.put("byFolder", byFolder);
            console.println(Reports.json(json));
        }
        return 0;
    }

    /** The folder a sample is reported under: its --data folder and, inside it, the first folder on its path. */
    static String folderOf(Sample sample) {
        Path root = Path.of(sample.dataset()).normalize();
        Path relative = root.relativize(sample.file().path().normalize());
        return relative.getNameCount() > 1 ? root.resolve(relative.getName(0)).toString() : root.toString();
    }

    private static Map<String, Object> perFolder(List<Sample> samples, Evaluator.Scored scored) {
        Map<String, List<Integer>> members = new java.util.TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            members.computeIfAbsent(folderOf(samples.get(i)), k -> new java.util.ArrayList<>()).add(i);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        double threshold = scored.evaluation().threshold();
        members.forEach((folder, indices) -> {
            int[] labels = indices.stream().mapToInt(i -> samples.get(i).label().value()).toArray();
            float[] scores = new float[indices.size()];
            for (int j = 0; j < scores.length; j++) {
                scores[j] = scored.evaluation().scores()[indices.get(j)];
            }
            BinaryMetrics m = BinaryMetrics.of(labels, scores, threshold);
            Map<String, Object> figures = new LinkedHashMap<>(Reports.metricsMap(m));
            figures.put("ece", Calibrations.expectedCalibrationError(labels, scores));
            figures.put("unfamiliar", (int) indices.stream().filter(i -> scored.unfamiliar()[i]).count());
            result.put(folder, figures);
        });
        return result;
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean flag : flags) {
            n += flag ? 1 : 0;
        }
        return n;
    }

    private static String fmt(Object value) {
        return value instanceof Number number ? String.format(Locale.ROOT, "%.4f", number.doubleValue()) : "-";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object map) {
        return (Map<String, Object>) map;
    }

    private static void writeScores(Evaluator.Scored scored, Path file) throws IOException {
        Evaluation evaluation = scored.evaluation();
        StringBuilder csv = new StringBuilder("dataset,path,label,probability,unfamiliar_score,unfamiliar\n");
        for (int i = 0; i < evaluation.samples().size(); i++) {
            ImageFile image = evaluation.samples().get(i).file();
            csv.append(quoted(image.dataset())).append(',').append(quoted(image.path().toString())).append(',')
                    .append(image.label().name().toLowerCase(Locale.ROOT)).append(',')
                    .append(evaluation.scores()[i]).append(',')
                    .append(Double.isNaN(scored.unfamiliarScores()[i]) ? "" : String.valueOf(scored.unfamiliarScores()[i])).append(',')
                    .append(scored.unfamiliar()[i]).append('\n');
        }
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, csv);
    }

    private static String quoted(String field) {
        return "\"" + field.replace("\"", "\"\"") + "\"";
    }

    private Path resolveModelDir() {
        if (modelDir != null) {
            return modelDir;
        }
        String fromEnv = System.getenv(MODEL_DIR_ENV);
        return Path.of(fromEnv != null && !fromEnv.isBlank() ? fromEnv : DEFAULT_MODEL_DIR);
    }

    private static boolean trainedKeepingDuplicates(ModelDescriptor descriptor) {
        return Boolean.TRUE.equals(descriptor.training().hyperParameters().get("keepDuplicates"));
    }

    private static int trainedGroupingDistance(ModelDescriptor descriptor) {
        return ((Number) descriptor.training().hyperParameters().get("nearDuplicateDistance")).intValue();
    }

    /** The model's own held-out images, re-derived; refuses when they are not the ones it was validated on. */
    private static List<Sample> validationSide(PreparedData prepared, ModelDescriptor descriptor) {
        List<Sample> validation = prepared.select(outerSplit(prepared, descriptor).heldOut());
        checkValidationHash(validation, descriptor);
        return validation;
    }

    /** The tuning images of training, re-derived as training drew them (the outer split checked by its hash). */
    private static List<Sample> tuningSide(PreparedData prepared, ModelDescriptor descriptor) {
        Map<String, Object> hyper = descriptor.training().hyperParameters();
        double tuningFraction = ((Number) hyper.get("tuningSplit")).doubleValue();
        if (tuningFraction <= 0) {
            throw new IllegalArgumentException("model " + descriptor.name() + " was trained without a tuning split");
        }
        Split outer = outerSplit(prepared, descriptor);
        checkValidationHash(prepared.select(outer.heldOut()), descriptor);
        List<Sample> trainSide = prepared.select(outer.train());
        long seed = ((Number) hyper.get("seed")).longValue();
        Split inner = TrainCommand.tuningHoldOut(prepared, outer.train(), tuningFraction, seed);
        return Arrays.stream(inner.heldOut()).mapToObj(trainSide::get).toList();
    }

    private static Split outerSplit(PreparedData prepared, ModelDescriptor descriptor) {
        Map<String, Object> hyper = descriptor.training().hyperParameters();
        double fraction = ((Number) hyper.get("validationSplit")).doubleValue();
        long seed = ((Number) hyper.get("seed")).longValue();
        if (fraction <= 0) {
            throw new IllegalArgumentException("model " + descriptor.name() + " was trained without a validation split");
        }
        return prepared.holdOut(fraction, seed);
    }

    private static void checkValidationHash(List<Sample> validation, ModelDescriptor descriptor) {
        String hash = SampleSetHash.of(validation);
        if (!hash.equals(descriptor.training().validationSetSha256())) {
            throw new IllegalArgumentException("these folders do not reproduce the model's validation split (hash " + hash
                    + ", model.json has " + descriptor.training().validationSetSha256() + "); pass the same --data folders, in the same order, as in training: "
                    + descriptor.training().data());
        }
    }
}
