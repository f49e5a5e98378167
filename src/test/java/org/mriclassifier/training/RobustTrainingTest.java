package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.UnfamiliarInput;
import org.mriclassifier.testing.DrawnDataset;
import org.mriclassifier.testing.DrawnImages;
import org.mriclassifier.vision.Preprocessed;
import org.mriclassifier.vision.PreprocessSpec;
import org.mriclassifier.vision.Preprocessor;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import picocli.CommandLine;

@DisplayName("Training for unseen sources: leave-one-source-out, the cheap network, calibration, the unfamiliar flag")
class RobustTrainingTest {

    @TempDir
    static Path workspace;
    static Path sourceA;
    static Path sourceB;
    static Path model;

    @BeforeAll
    static void trainLeavingOneSourceOut() throws Exception {
        sourceA = DrawnDataset.write(workspace.resolve("hospital-a"), 90, 21);
        sourceB = DrawnDataset.write(workspace.resolve("hospital-b"), 30, 22);
        model = workspace.resolve("lite-loso");
        int exit = new CommandLine(new TrainCommand()).execute("--data", sourceA.toString(), "--data", sourceB.toString(),
                "--leave-out", sourceB.toString(), "--arch", "lite", "--input-size", "32", "--filters", "8", "--epochs", "12",
                "--batch", "16", "--learning-rate", "0.005", "--tuning-split", "0.25", "--target-sensitivity", "0.95",
                "--augment", "--intensity", "strong", "--standardize", "--seed", "3", "--threads", "2",
                "--near-duplicate-distance", "-1", "--out", model.toString());
        assertEquals(0, exit, "train --leave-out failed");
    }

    @Test
    @DisplayName("--leave-out trains without the left-out folder and reports sensitivity, specificity and AUC on it")
    void leaveOutReport() throws Exception {
        JsonNode report = new ObjectMapper().readTree(model.resolve("loso-report.json").toFile());
        JsonNode figures = report.get("bySource").get(sourceB.normalize().toString());
        assertNotNull(figures, "the report names the left-out folder: " + report.get("bySource"));
        int leftOut = report.get("leftOutImages").asInt();
        assertTrue(leftOut >= 50, "the left-out source's distinct images (exact copies of the other source's dropped): " + leftOut);
        assertEquals(leftOut, figures.get("n").asInt(), "every image of the left-out source is scored");
        for (String key : List.of("sensitivity", "specificity", "auc", "ece", "sensitivityAtSpecificity90", "unfamiliar", "wrongFlaggedUnfamiliar")) {
            assertTrue(figures.has(key) && !figures.get(key).isNull(), key + " missing: " + figures);
        }
        assertTrue(figures.get("auc").asDouble() > 0.8, "a separable drawn task transfers to a second drawn source: " + figures);
        try (Classifier classifier = Classifier.load(model)) {
            ModelDescriptor.TrainingInfo training = classifier.descriptor().training();
            assertEquals(report.get("leftOutImages").asInt(), training.validationImages(), "the left-out images are the model's validation images");
            assertTrue(training.data().contains(sourceB.toString()));
        }
    }

    @Test
    @DisplayName("model.json (format 2) holds the temperature, the screening threshold and the detector, and serving applies them")
    void calibratedAndFlagging() throws Exception {
        try (Classifier classifier = Classifier.load(model)) {
            ModelDescriptor d = classifier.descriptor();
            assertEquals(2, d.formatVersion());
            assertTrue(d.calibration().temperature() > 0);
            assertEquals(0.95, d.operatingPoint().targetSensitivity());
            assertTrue(d.operatingPoint().tuningSensitivity() >= 0.95);
            assertEquals(d.operatingPoint().threshold(), d.decisionThreshold(), 1e-12);
            assertTrue(d.unfamiliar().tuningFlaggedShare() <= 0.1, "about 3% of the tuning split is flagged: " + d.unfamiliar());
            assertTrue(d.multiplyAdds() > 0);
            assertTrue(Files.isRegularFile(model.resolve("unfamiliar.json")));
            assertEquals(0.015, d.unfamiliar().boundaryShare(), 1e-12, "the default boundary share is stored");
            assertTrue(d.unfamiliar().boundaryBand() >= 0, "the band around the threshold is stored: " + d.unfamiliar());
            if (d.unfamiliar().boundaryBand() > 0) {
                assertTrue(UnfamiliarInput.nearThreshold(d, d.decisionThreshold()), "an answer at the threshold is borderline");
            }
            assertFalse(UnfamiliarInput.nearThreshold(d, 1e-6), "a confident healthy answer is not borderline");
            assertFalse(UnfamiliarInput.nearThreshold(d, 1 - 1e-6), "a confident tumor answer is not borderline");

            PreprocessSpec spec = d.preprocessing();
            Mat brain = DrawnImages.brainWithBlob(64, true, 30, 30);
            Preprocessed grey = Preprocessor.preprocess(brain, spec);
            Classifier.Scores scores = classifier.score(grey.pixels(), 1);
            assertTrue(scores.probabilities()[0] >= 0 && scores.probabilities()[0] <= 1);
            assertFalse(Double.isNaN(scores.unfamiliarScores()[0]));

            Mat photo = new Mat(64, 64, CvType.CV_8UC3, new Scalar(20, 160, 230));
            Preprocessed colour = Preprocessor.preprocess(photo, spec);
            assertTrue(colour.colourfulness() > UnfamiliarInput.COLOURFULNESS_LIMIT, "an orange picture is colourful: " + colour.colourfulness());
            Classifier.Scores colourScores = classifier.score(colour.pixels(), 1);
            assertTrue(UnfamiliarInput.flagged(classifier, colourScores.unfamiliarScores()[0],
                    colour.colourfulness(), colour.notASlice(), colourScores.probabilities()[0]));
            assertTrue(grey.colourfulness() < 0.02, "a grey slice is not: " + grey.colourfulness());
            brain.release();
            photo.release();
        }
    }

    @Test
    @DisplayName("evaluate reports each folder's sensitivity, specificity, AUC, ECE and unfamiliar count, and draws the reliability diagram")
    void evaluatePerFolder() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream console = System.out;
        Path pictures = workspace.resolve("pictures");
        int exit;
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new EvaluateCommand()).execute("--model", model.toString(), "--data", sourceB.toString(),
                    "--near-duplicate-distance", "-1", "--pictures", pictures.toString());
        } finally {
            System.setOut(console);
        }
        assertEquals(0, exit);
        String[] lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).strip().split("\\R");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertTrue(json.has("ece") && json.has("unfamiliar"), json.toString());
        JsonNode tumors = json.get("byFolder").get(sourceB.resolve("yes").toString());
        JsonNode healthy = json.get("byFolder").get(sourceB.resolve("no").toString());
        assertTrue(tumors.get("n").asInt() >= 25, tumors.toString());
        assertTrue(tumors.has("sensitivity") && healthy.has("specificity") && tumors.has("unfamiliar"), json.get("byFolder").toString());
        assertTrue(Files.size(pictures.resolve("reliability.png")) > 1000);
    }

    @Test
    @DisplayName("the lite network costs at most 25 MFLOP per 128 px image, a fifth of bncnn's or less")
    void liteIsCheap() {
        PreprocessSpec spec = PreprocessSpec.original().withOutputSize(128).withChannels(1);
        HyperParameters hyper = new HyperParameters(1, 8, 0.001, 1, 16, 0, 0, 1, AugmentSpec.none(), false, false, 0, true);
        long lite;
        long bncnn;
        try (TrainingGraph graph = TrainingGraph.build(new LiteArchitecture(), spec, hyper)) {
            lite = graph.multiplyAdds();
        }
        try (TrainingGraph graph = TrainingGraph.build(new BatchNormCnnArchitecture(), spec, hyper)) {
            bncnn = graph.multiplyAdds();
        }
        assertTrue(2 * lite <= 25_000_000, "lite: " + 2 * lite + " FLOP");
        assertTrue(bncnn >= 5 * lite, "bncnn " + bncnn + " against lite " + lite);
    }
}
