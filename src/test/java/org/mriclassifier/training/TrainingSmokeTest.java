package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ValidationFigures;
import org.mriclassifier.testing.DrawnDataset;
import picocli.CommandLine;

@DisplayName("Training")
class TrainingSmokeTest {

    @TempDir
    static Path workspace;
    static Path data;
    static Path model;
    static long trainingMillis;

    @BeforeAll
    static void trainOnDrawnTask() throws Exception {
        data = DrawnDataset.write(workspace.resolve("drawn"), 120, 11);
        model = workspace.resolve("model");
        long start = System.currentTimeMillis();
        int exit = new CommandLine(new TrainCommand()).execute("--data", data.toString(), "--arch", "bncnn",
                "--input-size", "32", "--filters", "8", "--epochs", "10", "--batch", "16", "--learning-rate", "0.003",
                "--validation-split", "0.25", "--seed", "5", "--oversample", data + "=2", "--clahe", "2", "--threads", "2", "--near-duplicate-distance", "-1", "--out", model.toString());
        trainingMillis = System.currentTimeMillis() - start;
        assertEquals(0, exit, "train command failed");
    }

    @Test
    @DisplayName("learns a drawn, separable task (bright blob or none) above 0.9 validation accuracy in well under a minute")
    void learnsSeparableTask() throws Exception {
        try (Classifier classifier = Classifier.load(model)) {
            ValidationFigures validation = classifier.descriptor().validation().get("all");
            assertTrue(validation.accuracy() > 0.9, "validation accuracy " + validation.accuracy());
            assertTrue(validation.n() >= 50, "a quarter of about 240 drawn images is held out, got " + validation.n());
        }
        assertTrue(trainingMillis < 45_000, "training took " + trainingMillis + " ms");
    }

    @Test
    @DisplayName("saves a model that, loaded back, gives the same figures on the re-derived validation split as at training time")
    void reloadedModelReproducesItsFigures() {
        try (Classifier classifier = Classifier.load(model)) {
            ModelDescriptor descriptor = classifier.descriptor();
            PreparedData prepared = PreparedData.load(List.of(data), -1, 2, descriptor.preprocessing());
            List<Sample> validation = prepared.select(prepared.holdOut(0.25, 5).heldOut());
            assertEquals(descriptor.training().validationSetSha256(), SampleSetHash.of(validation));

            Evaluation evaluation = Evaluator.evaluate(classifier, validation);

            assertEquals(descriptor.validation().get("all"), Evaluation.toFigures(descriptor.validation().get("all").description(), evaluation.overall()));
        }
    }

    @Test
    @DisplayName("gives identical predictions from two separately loaded copies of a saved model")
    void sameModelSamePredictions() {
        try (Classifier first = Classifier.load(model); Classifier second = Classifier.load(model, 1, 1)) {
            PreparedData prepared = PreparedData.load(List.of(data), -1, 2, first.descriptor().preprocessing());
            List<Sample> some = prepared.samples().subList(0, 20);
            assertArrayEquals(Evaluator.evaluate(first, some).scores(), Evaluator.evaluate(second, some).scores());
        }
    }

    @Test
    @DisplayName("evaluates a model from the command line: a readable report, the pictures, and a JSON object as the last line")
    void evaluateCommand() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream console = System.out;
        Path pictures = workspace.resolve("pictures");
        int exit;
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new EvaluateCommand()).execute("--model", model.toString(), "--data", data.toString(),
                    "--split", "validation", "--near-duplicate-distance", "-1", "--pictures", pictures.toString());
        } finally {
            System.setOut(console);
        }
        assertEquals(0, exit);
        String[] lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).strip().split("\\R");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1]);
        for (String key : List.of("n", "accuracy", "f1", "precision", "recall", "auc", "tp", "tn", "fp", "fn")) {
            assertTrue(json.has(key), "JSON lacks " + key + ": " + json);
        }
        try (Classifier classifier = Classifier.load(model)) {
            assertEquals(classifier.descriptor().validation().get("all").accuracy(), json.get("accuracy").asDouble(), 1e-12);
        }
        assertTrue(java.nio.file.Files.size(pictures.resolve("confusion-matrix.png")) > 1000);
        assertTrue(java.nio.file.Files.size(pictures.resolve("roc.png")) > 1000);
    }

    @Test
    @DisplayName("records in model.json how the model was made: architecture, preprocessing, data hash, command")
    void descriptorRecordsProvenance() {
        try (Classifier classifier = Classifier.load(model)) {
            ModelDescriptor d = classifier.descriptor();
            assertEquals("bncnn", d.architecture());
            assertEquals(32, d.preprocessing().outputSize());
            assertEquals(2.0, d.preprocessing().claheClipLimit(), "--clahe travels in the spec, so serving equalises as training did");
            assertEquals(List.of(-1L, 32L, 32L, 1L), d.input().shape());
            assertEquals(64, d.training().trainSetSha256().length());
            assertTrue(d.training().command().startsWith("java -jar target/mri-classifier.jar train --data "), d.training().command());
            // oversampling repeats images within an epoch; the counts stay those of distinct images
            assertEquals(240 - d.training().exactDuplicatesRemoved(), d.training().trainImages() + d.training().validationImages());
            assertEquals(java.util.Map.of(data.toString(), 2), d.training().hyperParameters().get("oversample"));
        }
    }
}
