package org.mriclassifier.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.testing.DrawnDataset;
import org.mriclassifier.training.EvaluateCommand;
import org.mriclassifier.training.TrainCommand;
import picocli.CommandLine;

@DisplayName("Classifier")
class ClassifierTest {

    @TempDir
    static Path workspace;
    static Path model;
    static Path data;

    @BeforeAll
    static void trainTinySeedModel() throws Exception {
        data = DrawnDataset.write(workspace.resolve("drawn"), 20, 3);
        model = workspace.resolve("seed-model");
        // a tuning split with patience 1 and fine-tuning also runs the early-stopping and checkpoint-restoring paths
        int exit = new CommandLine(new TrainCommand()).execute("--data", data.toString(), "--arch", "seed",
                "--epochs", "4", "--tuning-split", "0.25", "--patience", "1", "--fine-tune",
                "--threads", "2", "--near-duplicate-distance", "-1", "--out", model.toString());
        assertEquals(0, exit);
    }

    private static float[] batch(int images, int perImage, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] pixels = new float[images * perImage];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        return pixels;
    }

    @Test
    @DisplayName("loads in under 2 seconds and classifies batches of any size from 1 to 32 with one probability per image")
    void dynamicBatch() {
        long start = System.nanoTime();
        try (Classifier classifier = Classifier.load(model)) {
            assertTrue(System.nanoTime() - start < 2_000_000_000L);
            int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
            for (int n : new int[] {1, 7, 32}) {
                float[] probabilities = classifier.predict(batch(n, perImage, n), n);
                assertEquals(n, probabilities.length);
                for (float p : probabilities) {
                    assertTrue(p >= 0 && p <= 1);
                }
            }
        }
    }

    @Test
    @DisplayName("evaluate --split tuning re-derives training's tuning images; --scores writes one CSV row per image")
    void tuningSplitScores() throws Exception {
        Path scores = workspace.resolve("scores").resolve("tuning.csv");
        int exit = new CommandLine(new EvaluateCommand()).execute("--model", model.toString(), "--data", data.toString(),
                "--split", "tuning", "--near-duplicate-distance", "-1", "--pictures", workspace.resolve("pictures").toString(),
                "--scores", scores.toString());
        assertEquals(0, exit);
        List<String> rows = Files.readAllLines(scores);
        assertEquals("dataset,path,label,probability,unfamiliar_score,unfamiliar", rows.get(0));
        try (Classifier classifier = Classifier.load(model)) {
            assertEquals(classifier.descriptor().training().tuningImages(), rows.size() - 1);
        }
        for (String row : rows.subList(1, rows.size())) {
            String[] fields = row.split(",");
            assertTrue(fields[2].equals("tumor") || fields[2].equals("healthy"), row);
            float probability = Float.parseFloat(fields[3]);
            assertTrue(probability >= 0 && probability <= 1, row);
        }
    }

    @Test
    @DisplayName("scores an image the same alone or inside a batch")
    void batchIndependence() {
        try (Classifier classifier = Classifier.load(model)) {
            int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
            float[] four = batch(4, perImage, 9);
            float[] third = java.util.Arrays.copyOfRange(four, 2 * perImage, 3 * perImage);
            assertEquals(classifier.predict(four, 4)[2], classifier.predict(third, 1)[0], 1e-5);
        }
    }

    @Test
    @DisplayName("serves concurrent callers with the same answers as one caller")
    void concurrentCallers() throws Exception {
        try (Classifier classifier = Classifier.load(model, 2, 2)) {
            int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
            List<float[]> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                inputs.add(batch(1 + i % 5, perImage, i));
                expected.add(classifier.predict(inputs.get(i), 1 + i % 5));
            }
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    int index = i;
                    futures.add(pool.submit(() -> classifier.predict(inputs.get(index), 1 + index % 5)));
                }
                for (int i = 0; i < 12; i++) {
                    assertArrayEquals(expected.get(i), futures.get(i).get(), 1e-6f);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    @DisplayName("rejects a pixel array that does not hold batchSize whole images")
    void rejectsWrongLength() {
        try (Classifier classifier = Classifier.load(model)) {
            int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
            assertThrows(IllegalArgumentException.class, () -> classifier.predict(new float[perImage + 1], 1));
            assertThrows(IllegalArgumentException.class, () -> classifier.predict(new float[0], 0));
        }
    }

    @Test
    @DisplayName("refuses to pass off NaN or a value outside [0,1] as a probability")
    void rejectsImpossibleOutputs() throws Exception {
        Path doubling = MisbehavingModel.write(workspace.resolve("doubling"));
        try (Classifier classifier = Classifier.load(doubling)) {
            int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
            float[] quarter = new float[perImage];
            java.util.Arrays.fill(quarter, 0.25f);
            assertEquals(0.5f, classifier.predict(quarter, 1)[0], 1e-6);

            float[] bright = new float[perImage];
            java.util.Arrays.fill(bright, 1f);
            assertThrows(InvalidPredictionException.class, () -> classifier.predict(bright, 1));
            float[] nan = new float[perImage];
            java.util.Arrays.fill(nan, Float.NaN);
            assertThrows(InvalidPredictionException.class, () -> classifier.predict(nan, 1));
        }
    }

    @Test
    @DisplayName("refuses a folder without model.json, or whose model.json contradicts itself")
    void refusesBrokenModels() throws Exception {
        assertThrows(ModelLoadException.class, () -> Classifier.load(workspace.resolve("nothing-here")));

        Path broken = workspace.resolve("broken");
        copyTree(model, broken);
        String json = Files.readString(broken.resolve(ModelDescriptor.FILE_NAME));
        Files.writeString(broken.resolve(ModelDescriptor.FILE_NAME), json.replace("\"decisionThreshold\" : 0.5", "\"decisionThreshold\" : 2.0"));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Classifier.load(broken));
        assertTrue(e.getMessage().contains("decisionThreshold"), e.getMessage());
    }

    @Test
    @DisplayName("checks the weights against checksums.sha256: an altered, missing or unlisted file is refused by name")
    void checksums() throws Exception {
        assertTrue(Files.isRegularFile(model.resolve(ModelChecksums.FILE_NAME)), "training writes the checksums");
        assertTrue(ModelChecksums.verify(model));
        assertTrue(Files.readString(model.resolve(ModelChecksums.FILE_NAME)).lines()
                .anyMatch(line -> line.matches("[0-9a-f]{64}  variables/variables\\.index")), "sha256sum's format");

        Path altered = workspace.resolve("altered");
        copyTree(model, altered);
        Path weights = altered.resolve("variables/variables.data-00000-of-00001");
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length / 2] ^= 1;
        Files.write(weights, bytes);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Classifier.load(altered));
        assertTrue(e.getMessage().contains("variables/variables.data-00000-of-00001 does not match"), e.getMessage());

        Path partial = workspace.resolve("partial");
        copyTree(model, partial);
        Files.delete(partial.resolve("variables/variables.index"));
        e = assertThrows(ModelLoadException.class, () -> Classifier.load(partial));
        assertTrue(e.getMessage().contains("variables/variables.index is listed"), e.getMessage());

        Path extra = workspace.resolve("extra");
        copyTree(model, extra);
        Files.writeString(extra.resolve("variables/stray.bin"), "x");
        e = assertThrows(ModelLoadException.class, () -> Classifier.load(extra));
        assertTrue(e.getMessage().contains("variables/stray.bin is not listed"), e.getMessage());

        // a model from before checksums existed still loads (with a warning), and so does a calibrated threshold
        Path older = workspace.resolve("older");
        copyTree(model, older);
        Files.delete(older.resolve(ModelChecksums.FILE_NAME));
        String json = Files.readString(older.resolve(ModelDescriptor.FILE_NAME));
        Files.writeString(older.resolve(ModelDescriptor.FILE_NAME), json.replace("\"decisionThreshold\" : 0.5", "\"decisionThreshold\" : 0.4"));
        try (Classifier classifier = Classifier.load(older)) {
            assertEquals(0.4, classifier.descriptor().decisionThreshold());
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Files.copy(source, to.resolve(from.relativize(source).toString()));
            }
        }
    }

    @Test
    @DisplayName("a model trained by train names its last block's activation, and Grad-CAM weighs it: one non-negative value per cell of its map")
    void trainedModelDrawsGradCam() {
        try (Classifier classifier = Classifier.load(model)) {
            GradCam gradCam = classifier.gradCam().orElseThrow();
            int perImage = classifier.descriptor().preprocessing().pixelsPerImage();
            int size = classifier.descriptor().preprocessing().outputSize();
            GradCam.Map2d map = gradCam.compute(batch(1, perImage, 5),
                    org.tensorflow.ndarray.Shape.of(1, size, size, classifier.descriptor().preprocessing().channels()));
            assertEquals(gradCam.mapHeight() * gradCam.mapWidth(), map.values().length);
            assertTrue(gradCam.mapHeight() > 1 && gradCam.mapWidth() > 1);
            for (float v : map.values()) {
                assertTrue(v >= 0 && Float.isFinite(v));
            }
        }
    }
}
