package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.inference.ModelDescriptors;
import org.mriclassifier.testing.DrawnDataset;
import picocli.CommandLine;

@DisplayName("Cross-validation")
class CrossValidationTest {

    @TempDir
    Path workspace;

    @Test
    @DisplayName("--folds 3 over two data sets: every image held out once, each fold's and each data set's figures in cv-report.json, no warm-up epoch kept")
    void threeFoldsOverTwoDataSets() throws Exception {
        Path large = DrawnDataset.write(workspace.resolve("large"), 30, 3);
        Path small = DrawnDataset.write(workspace.resolve("small"), 12, 4);
        Path out = workspace.resolve("cv");

        int exit = new CommandLine(new TrainCommand()).execute("--data", large.toString(), "--data", small.toString(),
                "--arch", "bncnn", "--input-size", "32", "--filters", "4", "--epochs", "3", "--batch", "16",
                "--tuning-split", "0.2", "--patience", "2", "--epoch-choice", "per-source", "--warm-up-epochs", "1", "--folds", "3",
                "--threads", "2", "--near-duplicate-distance", "-1", "--out", out.toString());
        assertEquals(0, exit, "train --folds failed");

        JsonNode report = ModelDescriptors.mapper().readTree(out.resolve("cv-report.json").toFile());
        assertEquals(3, report.get("foldsPlanned").asInt());
        assertEquals(3, report.get("foldsDone").asInt());
        assertTrue(report.get("hyperParameters").get("perSourceEpochChoice").asBoolean());
        assertEquals(1, report.get("hyperParameters").get("warmUpEpochs").asInt());
        assertEquals(3, report.get("folds").size());

        int heldOut = 0;
        for (JsonNode fold : report.get("folds")) {
            heldOut += fold.get("n").asInt();
            assertTrue(fold.get("keptEpoch").asInt() >= 2, "epoch 1 is warm-up and cannot be kept: " + fold);
            JsonNode byDataset = fold.get("byDataset");
            assertEquals(2, byDataset.size(), "each fold holds out images of both data sets: " + byDataset);
            assertEquals(fold.get("n").asInt(), byDataset.get(large.toString()).get("n").asInt() + byDataset.get(small.toString()).get("n").asInt());
        }
        // drawn images can repeat byte for byte: count the distinct ones as training does
        PreparedData distinct = PreparedData.load(java.util.List.of(large, small), -1, 2,
                org.mriclassifier.vision.PreprocessSpec.original().withOutputSize(32).withChannels(1));
        assertEquals(distinct.samples().size(), heldOut, "every distinct image is held out exactly once");

        JsonNode summary = report.get("summary");
        for (String scope : new String[] {"all", large.toString(), small.toString()}) {
            JsonNode stats = summary.get(scope);
            assertEquals(stats.get("n").asInt(), stats.get("tp").asInt() + stats.get("tn").asInt() + stats.get("fp").asInt() + stats.get("fn").asInt());
            assertEquals(3, stats.get("perFoldAccuracy").size());
        }
        assertEquals(distinct.samples().size(), summary.get("all").get("n").asInt());
        assertEquals(summary.get("all").get("n").asInt(), summary.get(large.toString()).get("n").asInt() + summary.get(small.toString()).get("n").asInt());
    }
}
