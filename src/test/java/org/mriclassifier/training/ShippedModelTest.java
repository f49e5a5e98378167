package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.testing.NonBrainImages;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelChecksums;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ValidationFigures;
import org.tensorflow.TensorFlow;

/**
 * Checks the models in model/ against the real data set in ../shared/datasets (or $MRI_DATASETS): CI has
 * brain-mri-253 beside the project, so these tests run there and fail when the shipped figures drift.
 */
@DisplayName("Shipped models")
class ShippedModelTest {

    private static final Path DEFAULT_MODEL = Path.of("model/default");
    private static final Path SEED_MODEL = Path.of("model/seed");
    private static final Path MODEL_DOC = Path.of("docs/MODEL.md");
    private static final Pattern DOCUMENTED_253_ACCURACY =
            Pattern.compile("Shipped model on all of brain-mri-253: (\\d+) distinct images, accuracy (\\d\\.\\d{4})");
    private static final long MAX_MODEL_BYTES = 20L * 1024 * 1024;
    private static final int THREADS = 2;

    private static Path datasets;

    @BeforeAll
    static void locateDatasets() {
        String fromEnv = System.getenv("MRI_DATASETS");
        datasets = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : Path.of("../shared/datasets");
        assertTrue(Files.isDirectory(datasets.resolve("brain-mri-253")),
                "brain-mri-253 not found under " + datasets.toAbsolutePath() + "; set MRI_DATASETS to the folder holding it");
        // the native library loads once per JVM; load times below are the model's own
        TensorFlow.version();
    }

    @Test
    @DisplayName("the default model's accuracy on all of brain-mri-253 is the figure docs/MODEL.md states")
    void documentedAccuracyOn253() throws IOException {
        Matcher documented = DOCUMENTED_253_ACCURACY.matcher(Files.readString(MODEL_DOC));
        assertTrue(documented.find(), "docs/MODEL.md must state: " + DOCUMENTED_253_ACCURACY.pattern());

        try (Classifier classifier = Classifier.load(DEFAULT_MODEL)) {
            PreparedData data = PreparedData.load(List.of(datasets.resolve("brain-mri-253")), 24, THREADS,
                    classifier.descriptor().preprocessing());
            BinaryMetrics metrics = Evaluator.evaluate(classifier, data.samples()).overall();

            assertEquals(Integer.parseInt(documented.group(1)), metrics.n());
            assertEquals(documented.group(2), String.format(Locale.ROOT, "%.4f", metrics.accuracy()));
        }
    }

    @Test
    @DisplayName("the seed model, loaded back, reproduces its training-time figures on its brain-mri-253 validation split")
    void seedModelReproducesItsValidationFigures() {
        assertReproducesValidationFigures(SEED_MODEL);
    }

    @Test
    @DisplayName("the default model, loaded back, reproduces its training-time figures on its validation split and flags at most 5% of it unfamiliar (needs brain-mri-7k)")
    void defaultModelReproducesItsValidationFigures() {
        assumeTrue(Files.isDirectory(datasets.resolve("brain-mri-7k/train")), "brain-mri-7k is not available here");
        Evaluator.Scored scored = assertReproducesValidationFigures(DEFAULT_MODEL);
        int flagged = 0;
        for (boolean unfamiliar : scored.unfamiliar()) {
            flagged += unfamiliar ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "validation images flagged unfamiliar: %d of %d%n", flagged, scored.unfamiliar().length);
        assertTrue(flagged <= 0.05 * scored.unfamiliar().length, flagged + " of " + scored.unfamiliar().length + " flagged");
    }

    @Test
    @DisplayName("the default model flags at least 95% of drawn images that are not brain MRI (blank, noise, text, pictures, patterns)")
    void flagsNonBrainImages(@TempDir Path temp) throws IOException {
        Path model = Path.of(System.getProperty("mri.shipped.model", DEFAULT_MODEL.toString()));
        NonBrainImages.writeTo(temp.resolve("no"));
        try (Classifier classifier = Classifier.load(model)) {
            PreparedData data = PreparedData.load(List.of(temp), -1, THREADS, classifier.descriptor().preprocessing());
            Evaluator.Scored scored = Evaluator.evaluateWithScores(classifier, data.samples());
            List<String> missed = new java.util.ArrayList<>();
            for (int i = 0; i < scored.unfamiliar().length; i++) {
                if (!scored.unfamiliar()[i]) {
                    missed.add(data.samples().get(i).file().path().getFileName() + String.format(Locale.ROOT, " (score %.1f)",
                            scored.unfamiliarScores()[i]));
                }
            }
            int flagged = scored.unfamiliar().length - missed.size();
            System.out.printf(Locale.ROOT, "non-brain images flagged unfamiliar by %s: %d of %d; not flagged: %s%n", model,
                    flagged, scored.unfamiliar().length, missed);
            assertEquals(NonBrainImages.COUNT, scored.unfamiliar().length, "every drawn image is scored");
            assertTrue(flagged >= Math.ceil(0.95 * NonBrainImages.COUNT), "flagged " + flagged + "; not flagged: " + missed);
        }
    }

    @Test
    @DisplayName("both models load in under 2 seconds (their checksums checked) and take under 20 MB of the repository")
    void loadTimeAndSize() throws IOException {
        for (Path model : List.of(DEFAULT_MODEL, SEED_MODEL)) {
            assertTrue(ModelChecksums.verify(model), model + " ships its " + ModelChecksums.FILE_NAME);
            long start = System.nanoTime();
            try (Classifier ignored = Classifier.load(model)) {
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 2000, model + " took " + millis + " ms to load");
            }
            try (Stream<Path> files = Files.walk(model)) {
                long bytes = files.filter(Files::isRegularFile).mapToLong(ShippedModelTest::size).sum();
                assertTrue(bytes < MAX_MODEL_BYTES, model + " is " + bytes + " bytes");
            }
        }
    }

    private static Evaluator.Scored assertReproducesValidationFigures(Path model) {
        try (Classifier classifier = Classifier.load(model)) {
            ModelDescriptor descriptor = classifier.descriptor();
            List<Path> dataDirs = descriptor.training().data().stream()
                    .map(dir -> datasets.resolve(dir.substring(dir.indexOf("brain-mri-"))))
                    .toList();
            double fraction = ((Number) descriptor.training().hyperParameters().get("validationSplit")).doubleValue();
            long seed = ((Number) descriptor.training().hyperParameters().get("seed")).longValue();
            int distance = ((Number) descriptor.training().hyperParameters().get("nearDuplicateDistance")).intValue();
            PreparedData data = PreparedData.load(dataDirs, distance, THREADS, descriptor.preprocessing());
            List<Sample> validation = data.select(data.holdOut(fraction, seed).heldOut());
            assertEquals(descriptor.training().validationSetSha256(), SampleSetHash.of(validation), "the validation split re-derives");

            Evaluator.Scored scored = Evaluator.evaluateWithScores(classifier, validation);
            Evaluation evaluation = scored.evaluation();

            ValidationFigures recorded = descriptor.validation().get("all");
            ValidationFigures now = Evaluation.toFigures(recorded.description(), evaluation.overall());
            // every count reproduces exactly; the AUC, a rank statistic over near-tied scores, may move in its sixth
            // decimal with the CPU's float rounding (oneDNN picks kernels by instruction set: AVX2, AVX-512, AMX)
            assertEquals(List.of(recorded.n(), recorded.tp(), recorded.tn(), recorded.fp(), recorded.fn()),
                    List.of(now.n(), now.tp(), now.tn(), now.fp(), now.fn()), "confusion counts");
            assertEquals(recorded.accuracy(), now.accuracy(), 1e-12);
            assertEquals(recorded.auc(), now.auc(), 1e-4, "ROC AUC");
            return scored;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
