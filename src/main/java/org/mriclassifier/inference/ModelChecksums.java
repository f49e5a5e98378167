package org.mriclassifier.inference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.mriclassifier.vision.Sha256;

/**
 * {@code checksums.sha256} beside a SavedModel: the SHA-256 of its graph and of every variables file, in
 * {@code sha256sum}'s format (so {@code sha256sum -c checksums.sha256} checks a copy from a shell too).
 * Training writes it; loading checks it, so a model copied in part, or altered, is refused with the name of
 * the file at fault instead of serving wrong weights. {@code model.json} is left out on purpose: its
 * decision threshold is the one setting a hospital may calibrate by hand.
 */
public final class ModelChecksums {

    public static final String FILE_NAME = "checksums.sha256";

    private ModelChecksums() {
    }

    /** Writes the checksums of the SavedModel in {@code modelDir}. */
    public static void write(Path modelDir) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> file : compute(modelDir).entrySet()) {
            out.append(file.getValue()).append("  ").append(file.getKey()).append('\n');
        }
        Files.writeString(modelDir.resolve(FILE_NAME), out.toString(), StandardCharsets.UTF_8);
    }

    /**
     * Checks the SavedModel against its checksums file.
     *
     * @return false when the folder has no checksums file (a model trained before they existed); true when
     *         every file matches
     * @throws ModelLoadException when a file differs, is missing, or is not listed
     */
    public static boolean verify(Path modelDir) {
        Path listing = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(listing)) {
            return false;
        }
        Map<String, String> expected = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(listing, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                int gap = line.indexOf("  ");
                if (gap != 64) {
                    throw new ModelLoadException(listing + " has a malformed line: " + line);
                }
                expected.put(line.substring(gap + 2), line.substring(0, gap));
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + listing + ": " + e.getMessage(), e);
        }
        Map<String, String> actual;
        try {
            actual = compute(modelDir);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read the SavedModel in " + modelDir + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, String> file : expected.entrySet()) {
            String found = actual.get(file.getKey());
            if (found == null) {
                throw new ModelLoadException(modelDir + ": " + file.getKey() + " is listed in " + FILE_NAME + " but missing");
            }
            if (!found.equals(file.getValue())) {
                throw new ModelLoadException(modelDir + ": " + file.getKey() + " does not match " + FILE_NAME
                        + " (the copy is incomplete or altered)");
            }
        }
        for (String file : actual.keySet()) {
            if (!expected.containsKey(file)) {
                throw new ModelLoadException(modelDir + ": " + file + " is not listed in " + FILE_NAME);
            }
        }
        return true;
    }

    /** saved_model.pb and every file under variables/, by path relative to the folder ('/'-separated), sorted. */
    static Map<String, String> compute(Path modelDir) throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        Path graph = modelDir.resolve("saved_model.pb");
        if (Files.isRegularFile(graph)) {
            hashes.put("saved_model.pb", sha256(graph));
        }
        Path variables = modelDir.resolve("variables");
        if (Files.isDirectory(variables)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(variables)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            for (Path file : files) {
                hashes.put(modelDir.relativize(file).toString().replace('\\', '/'), sha256(file));
            }
        }
        return hashes;
    }

    private static String sha256(Path file) throws IOException {
        return Sha256.hex(Files.readAllBytes(file));
    }
}
