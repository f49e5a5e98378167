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
            Evaluation evaluation = Evaluator.evaluate(classifier, samples);
            BinaryMetrics overall = evaluation.overall();

            String title = descriptor.name() + " on " + (split == Subset.all ? "all images" : "its " + split + " split");
            console.printf("Model %s %s (%s, input %dx%dx%d) from %s%n", descriptor.name(), descriptor.version(), descriptor.architecture(),
                    descriptor.preprocessing().outputSize(), descriptor.preprocessing().outputSize(), descriptor.preprocessing().channels(), model);
            console.printf("Data %s: %d distinct images (%d exact duplicate copies skipped), %d scored, %d without a usable brain contour%n",
                    data.dataDirs(), prepared.samples().size(), prepared.dedup().removedCopies(), samples.size(),
                    samples.stream().filter(Sample::fallback).count());
            console.print(Reports.metricsBlock(title + ":", overall));
            Map<String, BinaryMetrics> perDataset = evaluation.byDataset();
            if (perDataset.size() > 1) {
                perDataset.forEach((dataset, metrics) -> console.print(Reports.metricsBlock("  of which " + dataset + ":", metrics)));
            }
            Path matrix = EvaluationCharts.writeConfusionMatrix(overall, title, pictures.resolve("confusion-matrix.png"));
            Path roc = EvaluationCharts.writeRoc(RocCurve.of(evaluation.labels(), evaluation.scores()), overall.auc(), title, pictures.resolve("roc.png"));
            console.printf("Pictures: %s, %s%n", matrix, roc);
            if (scoresFile != null) {
                writeScores(evaluation, scoresFile);
                console.printf("Scores: %s%n", scoresFile);
            }

            Map<String, Object> json = new LinkedHashMap<>(Reports.metricsMap(overall));
            json.put("model", descriptor.name());
            json.put("split", split.name());
            console.println(Reports.json(json));
        }
        return 0;
    }

    private static void writeScores(Evaluation evaluation, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("dataset,path,label,probability\n");
        for (int i = 0; i < evaluation.samples().size(); i++) {
            ImageFile image = evaluation.samples().get(i).file();
            csv.append(quoted(image.dataset())).append(',').append(quoted(image.path().toString())).append(',')
                    .append(image.label().name().toLowerCase(Locale.ROOT)).append(',')
                    .append(evaluation.scores()[i]).append('\n');
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
