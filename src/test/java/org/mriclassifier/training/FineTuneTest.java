package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.testing.DrawnDataset;
import picocli.CommandLine;

/**
 * train --fine-tune-from on drawn images: a small source model trained from scratch, then fine-tuned. The restore is
 * shown by a fine-tuning whose steps cannot move the weights (a vanishing learning rate): its answers are the source's,
 * which a network initialised afresh could not give; a contradicting recipe or a folder that is no model is refused.
 */
@DisplayName("train --fine-tune-from: starts from a model folder's weights and keeps its recipe")
class FineTuneTest {

    @TempDir
    static Path workspace;
    static Path data;
    static Path source;

    static final String[] SOURCE_RECIPE = {"--arch", "seed", "--input-size", "32", "--channels", "1", "--filters", "4", "--standardize",
        "--epochs", "4", "--batch", "16", "--learning-rate", "0.002", "--validation-split", "0.25", "--seed", "5", "--threads", "2",
        "--near-duplicate-distance", "-1"};

    @BeforeAll
    static void trainSource() throws Exception {
        data = DrawnDataset.write(workspace.resolve("drawn"), 40, 31);
        source = workspace.resolve("source");
        List<String> args = new java.util.ArrayList<>(List.of("--data", data.toString(), "--out", source.toString()));
        args.addAll(List.of(SOURCE_RECIPE));
        assertEquals(0, new CommandLine(new TrainCommand()).execute(args.toArray(String[]::new)), "the source model trains");
    }

    static int train(String... args) {
        return train(new java.io.StringWriter(), args);
    }

    static int train(java.io.StringWriter err, String... args) {
        CommandLine line = new CommandLine(new TrainCommand());
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    static float[] scores(Path model, List<Sample> samples) {
        try (Classifier classifier = Classifier.load(model)) {
            return Evaluator.evaluate(classifier, samples).scores();
        }
    }

    @Test
    @DisplayName("a fine-tuning that cannot move the weights answers as the source does; its model.json records the source and the recipe")
    void restoresTheSourceWeights() throws Exception {
        Path tuned = workspace.resolve("frozen");
        assertEquals(0, train("--data", data.toString(), "--fine-tune-from", source.toString(), "--epochs", "1", "--batch", "16",
                "--learning-rate", "1e-12", "--validation-split", "0.25", "--seed", "6", "--threads", "2",
                "--near-duplicate-distance", "-1", "--out", tuned.toString()));
        Path fresh = workspace.resolve("fresh");
        assertEquals(0, train("--data", data.toString(), "--arch", "seed", "--input-size", "32", "--channels", "1", "--filters", "4",
                "--standardize", "--epochs", "1", "--batch", "16", "--learning-rate", "1e-12", "--validation-split", "0.25", "--seed", "6",
                "--threads", "2", "--near-duplicate-distance", "-1", "--out", fresh.toString()));

        ModelDescriptor descriptor = org.mriclassifier.inference.ModelDescriptors.read(tuned);
        PreparedData prepared = PreparedData.load(List.of(data), -1, 2, descriptor.preprocessing());
        List<Sample> some = prepared.samples().subList(0, 24);
        float[] sourceScores = scores(source, some);
        float[] tunedScores = scores(tuned, some);
        assertArrayEquals(sourceScores, tunedScores, 1e-4f, "the fine-tuned model starts from the source's weights");
        float[] freshScores = scores(fresh, some);
        double largest = 0;
        for (int i = 0; i < some.size(); i++) {
            largest = Math.max(largest, Math.abs(freshScores[i] - sourceScores[i]));
        }
        assertTrue(largest > 1e-2, "a network initialised afresh answers otherwise (largest difference " + largest + ")");

        assertEquals("seed", descriptor.architecture());
        assertEquals(32, descriptor.preprocessing().outputSize());
        assertEquals(1, descriptor.preprocessing().channels());
        Map<String, Object> hyper = descriptor.training().hyperParameters();
        assertEquals(4, ((Number) hyper.get("filters")).intValue());
        assertEquals(Boolean.TRUE, hyper.get("standardize"));
        @SuppressWarnings("unchecked")
        Map<String, Object> from = (Map<String, Object>) hyper.get("fineTunedFrom");
        assertEquals(source.toString(), from.get("dir"));
    }

    @Test
    @DisplayName("restores an older model's network variables by name when its checkpoint lacks the current graph's optimiser slots (model/seed)")
    void restoresAnOlderModelByName() throws Exception {
        Path older = Path.of("model", "seed");
        Path tuned = workspace.resolve("from-seed");
        assertEquals(0, train("--data", data.toString(), "--fine-tune-from", older.toString(), "--epochs", "1", "--batch", "16",
                "--learning-rate", "1e-12", "--validation-split", "0.25", "--seed", "6", "--threads", "2",
                "--near-duplicate-distance", "-1", "--out", tuned.toString()));
        ModelDescriptor descriptor = org.mriclassifier.inference.ModelDescriptors.read(tuned);
        assertEquals(org.mriclassifier.inference.ModelDescriptors.read(older).preprocessing(), descriptor.preprocessing());
        PreparedData prepared = PreparedData.load(List.of(data), -1, 2, descriptor.preprocessing());
        List<Sample> some = prepared.samples().subList(0, 24);
        assertArrayEquals(scores(older, some), scores(tuned, some), 1e-4f, "the network's weights are model/seed's");
    }

    @Test
    @DisplayName("fine-tuning at its default rate (a tenth of the source's) trains and keeps the source's answers' quality on the drawn task")
    void fineTunesAtATenthOfTheRate() throws Exception {
        Path tuned = workspace.resolve("tuned");
        assertEquals(0, train("--data", data.toString(), "--fine-tune-from", source.toString(), "--epochs", "2", "--batch", "16",
                "--validation-split", "0.25", "--seed", "5", "--threads", "2", "--near-duplicate-distance", "-1", "--out", tuned.toString()));
        ModelDescriptor descriptor = org.mriclassifier.inference.ModelDescriptors.read(tuned);
        assertEquals(0.0002, ((Number) descriptor.training().hyperParameters().get("learningRate")).doubleValue(), 1e-12);
        ModelDescriptor original = org.mriclassifier.inference.ModelDescriptors.read(source);
        // same seed, same validation split: the figures are comparable, and a few slow steps do not undo what was learnt
        assertEquals(original.training().validationSetSha256(), descriptor.training().validationSetSha256());
        double before = original.validation().get("all").accuracy();
        double after = descriptor.validation().get("all").accuracy();
        assertTrue(after >= before - 0.1, "validation accuracy " + before + " before, " + after + " after fine-tuning");
        assertNotEquals(0, Files.size(tuned.resolve("variables").resolve("variables.index")));
    }

    @Test
    @DisplayName("refuses a recipe that contradicts the source, a folder that is no model, and 'active' without --from-db")
    void refusesWhatCannotBeRestored() throws Exception {
        String[] base = {"--data", data.toString(), "--epochs", "1", "--threads", "2", "--near-duplicate-distance", "-1"};
        Map<String, String[]> refused = Map.of(
                "drop --arch bncnn (the model is seed)",
                new String[] {"--fine-tune-from", source.toString(), "--arch", "bncnn", "--out", workspace.resolve("r1").toString()},
                "drop --input-size 48 (the model's is 32)",
                new String[] {"--fine-tune-from", source.toString(), "--input-size", "48", "--out", workspace.resolve("r2").toString()},
                "not a model folder",
                new String[] {"--fine-tune-from", data.toString(), "--out", workspace.resolve("r3").toString()},
                "it needs --from-db",
                new String[] {"--fine-tune-from", "active", "--out", workspace.resolve("r4").toString()});
        for (Map.Entry<String, String[]> e : refused.entrySet()) {
            String[] extra = e.getValue();
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra)).toArray(String[]::new);
            java.io.StringWriter err = new java.io.StringWriter();
            assertNotEquals(0, train(err, args), String.join(" ", extra));
            assertTrue(err.toString().contains(e.getKey()), "says why: " + err);
            Path out = Path.of(extra[extra.length - 1]);
            assertTrue(!Files.exists(out.resolve("model.json")), "nothing written for " + String.join(" ", extra));
        }
    }
}
