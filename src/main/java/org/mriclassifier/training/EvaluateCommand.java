package org.mriclassifier.training;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
    enum Subset { all, validation }

    @Option(names = "--model", paramLabel = "DIR", description = "Model folder (default: $" + MODEL_DIR_ENV + " or " + DEFAULT_MODEL_DIR + ").")
    Path modelDir;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "all",
            description = "all: every distinct image; validation: re-derive the model's own held-out split from these folders "
                    + "(checked against the hash in model.json) (default: ${DEFAULT-VALUE}).")
    Subset split;

    @Option(names = "--pictures", paramLabel = "DIR", defaultValue = "target/evaluation",
            description = "Folder for confusion-matrix.png and roc.png (default: ${DEFAULT-VALUE}).")
    Path pictures;

    @Override
    public Integer call() throws IOException {
        PrintStream console = System.out;
        Path model = resolveModelDir();
        try (Classifier classifier = Classifier.load(model, data.threads(), 1)) {
            ModelDescriptor descriptor = classifier.descriptor();
            int groupingDistance = split == Subset.validation ? trainedGroupingDistance(descriptor) : data.nearDuplicateDistance();
            PreparedData prepared = split == Subset.validation && trainedKeepingDuplicates(descriptor)
                    ? PreparedData.loadKeepingDuplicates(data.dataDirs(), data.threads(), descriptor.preprocessing())
                    : PreparedData.load(data.dataDirs(), groupingDistance, data.threads(), descriptor.preprocessing());
            List<Sample> samples = split == Subset.validation ? validationSide(prepared, descriptor) : prepared.samples();
            Evaluation evaluation = Evaluator.evaluate(classifier, samples);
            BinaryMetrics overall = evaluation.overall();

            String title = descriptor.name() + " on " + (split == Subset.validation ? "its validation split" : "all images");
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

            Map<String, Object> json = new LinkedHashMap<>(Reports.metricsMap(overall));
            json.put("model", descriptor.name());
            json.put("split", split.name());
            console.println(Reports.json(json));
        }
        return 0;
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
        Map<String, Object> hyper = descriptor.training().hyperParameters();
        double fraction = ((Number) hyper.get("validationSplit")).doubleValue();
        long seed = ((Number) hyper.get("seed")).longValue();
        if (fraction <= 0) {
            throw new IllegalArgumentException("model " + descriptor.name() + " was trained without a validation split");
        }
        List<Sample> validation = prepared.select(prepared.holdOut(fraction, seed).heldOut());
        String hash = SampleSetHash.of(validation);
        if (!hash.equals(descriptor.training().validationSetSha256())) {
            throw new IllegalArgumentException("these folders do not reproduce the model's validation split (hash " + hash
                    + ", model.json has " + descriptor.training().validationSetSha256() + "); pass the same --data folders, in the same order, as in training: "
                    + descriptor.training().data());
        }
        return validation;
    }
}
