package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import picocli.CommandLine;

@DisplayName("import loads a labelled folder through the upload pipeline, and twice adds nothing")
class ImportCommandTest {

    @Test
    @DisplayName("first run imports every image (refusing a broken one), second run finds them all already there")
    void importTwice() throws Exception {
        Path folder = TestServer.tempDir();
        Files.createDirectories(folder.resolve("Yes"));
        Files.createDirectories(folder.resolve("no"));
        for (int i = 0; i < 3; i++) {
            Files.write(folder.resolve("Yes/scan " + i + ".PNG"), TestImages.png(13000 + i));
        }
        for (int i = 0; i < 2; i++) {
            Files.write(folder.resolve("no/scan" + i + ".jpg"), TestImages.jpeg(13100 + i));
        }
        Files.write(folder.resolve("no/broken.png"), TestImages.corruptPng(13200));
        Files.writeString(folder.resolve("README.txt"), "not an image");

        String db = SharedPostgres.newDatabase();
        Map<String, String> env = Map.of("MRI_DB_URL", db, "MRI_MODEL_DIR", TestServer.modelDir(),
                "MRI_DATA_DIR", TestServer.tempDir().toString(), "MRI_INFERENCE_INTRA_OP_THREADS", "1");
        String[] args = {"--data", folder.toString(), "--hospital", "Imported General", "--gender", "female"};

        JsonObject first = run(env, args);
        assertEquals(new JsonObject().put("imported", 5).put("duplicates", 0).put("rejected", 1).put("failed", 0), first);
        JsonObject second = run(env, args);
        assertEquals(new JsonObject().put("imported", 0).put("duplicates", 5).put("rejected", 1).put("failed", 0), second);

        String labels = SharedPostgres.query(db, c -> {
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT string_agg(label || '/' || gender || '/' || created_by_name || '/' || class_confirmed, ',' ORDER BY label) FROM mri "
                            + "WHERE hospital = 'Imported General'")) {
                rs.next();
                return rs.getString(1);
            }
        });
        // the classes read from folder names are confirmed: they count in a model's measured performance
        assertEquals("healthy/female/system:import/true,healthy/female/system:import/true,tumor/female/system:import/true,"
                + "tumor/female/system:import/true,tumor/female/system:import/true", labels);
    }

    static JsonObject run(Map<String, String> env, String[] args) {
        PrintStream console = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(new ImportCommand(env)).execute(args);
        } finally {
            System.setOut(console);
        }
        String text = out.toString(StandardCharsets.UTF_8).trim();
        assertEquals(0, exit, text);
        assertTrue(text.contains("not imported: "), text);
        String[] lines = text.split("\n");
        return new JsonObject(lines[lines.length - 1]);
    }
}
