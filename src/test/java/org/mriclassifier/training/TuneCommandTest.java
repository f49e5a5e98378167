package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.testing.DrawnDataset;
import picocli.CommandLine;

@DisplayName("tune: a grid search scored on a left-out source, resumable, with a JSON and a Markdown table")
class TuneCommandTest {

    @TempDir
    Path workspace;

    @Test
    @DisplayName("trains every grid point with --leave-out, tables them best first, and a rerun trains only what is missing")
    void gridSearchResumes() throws Exception {
        Path a = DrawnDataset.write(workspace.resolve("a"), 40, 31);
        Path b = DrawnDataset.write(workspace.resolve("b"), 15, 32);
        Path out = workspace.resolve("search");
        String[] args = {"--out", out.toString(), "--grid", "learning-rate=0.003,0.01", "--grid", "standardize=true,false",
                "--", "--data", a.toString(), "--data", b.toString(), "--leave-out", b.toString(), "--arch", "lite",
                "--input-size", "32", "--filters", "4", "--epochs", "2", "--batch", "16", "--threads", "2",
                "--near-duplicate-distance", "-1"};
        assertEquals(0, new CommandLine(new TuneCommand()).execute(args));
        JsonNode table = new ObjectMapper().readTree(out.resolve("tune.json").toFile());
        assertEquals(4, table.get("planned").asInt());
        assertEquals(4, table.get("done").asInt());
        for (JsonNode row : table.get("candidates")) {
            assertTrue(row.get("score").isNumber(), row.toString());
            assertTrue(row.get("bySource").has(b.normalize().toString()), row.toString());
        }
        String markdown = Files.readString(out.resolve("tune.md"));
        assertTrue(markdown.contains("| rank | candidate | learning-rate | standardize | score |"), markdown);

        // an interrupted search: one candidate's folder lost its report; the rerun retrains that one only
        Path second = out.resolve("candidate-002");
        long before = Files.getLastModifiedTime(out.resolve("candidate-001").resolve("loso-report.json")).toMillis();
        Files.delete(second.resolve("loso-report.json"));
        assertEquals(0, new CommandLine(new TuneCommand()).execute(args));
        assertTrue(Files.isRegularFile(second.resolve("loso-report.json")));
        assertEquals(before, Files.getLastModifiedTime(out.resolve("candidate-001").resolve("loso-report.json")).toMillis(),
                "a finished candidate is not trained again");
        assertEquals(4, new ObjectMapper().readTree(out.resolve("tune.json").toFile()).get("done").asInt());
    }
}
