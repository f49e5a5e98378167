package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Oversampling (--oversample)")
class OversamplingTest {

    @TempDir
    Path root;

    private Sample sample(Path dataDir, String folder, Label label) {
        Path file = dataDir.resolve(folder).resolve(folder + "-" + label + ".png");
        return new Sample(new ImageFile(file, dataDir.toString(), label), "sha", new long[0], new float[0], false);
    }

    /** A data folder with the given label folders inside it. */
    private Path dataFolder(String name, String... labelFolders) throws java.io.IOException {
        Path folder = Files.createDirectories(root.resolve(name));
        for (String label : labelFolders) {
            Files.createDirectories(folder.resolve(label));
        }
        return folder;
    }

    @Test
    @DisplayName("repeats one label's folder alone, the most specific entry winning over its data folder's")
    void oneLabelFolder() throws Exception {
        Path small = dataFolder("small", "yes", "no");
        Path large = dataFolder("large");
        Sample smallTumor = sample(small, "yes", Label.TUMOR);
        Sample smallHealthy = sample(small, "no", Label.HEALTHY);
        Sample largeTumor = sample(large, "glioma", Label.TUMOR);
        Map<String, Integer> asked = new LinkedHashMap<>();
        asked.put(small.toString(), 2);
        asked.put(small.resolve("yes").toString(), 5);

        Oversampling oversampling = Oversampling.of(asked, List.of(small, large));

        assertEquals(5, oversampling.copiesOf(smallTumor));
        assertEquals(2, oversampling.copiesOf(smallHealthy));
        assertEquals(1, oversampling.copiesOf(largeTumor));
        List<Sample> fit = oversampling.apply(List.of(smallTumor, smallHealthy, largeTumor));
        assertEquals(8, fit.size());
        assertEquals(5, fit.stream().filter(s -> s == smallTumor).count());
    }

    @Test
    @DisplayName("a folder given relatively and with dots matches the data folder's images")
    void normalisedPaths() throws Exception {
        Path data = dataFolder("data", "yes");
        Oversampling oversampling = Oversampling.of(Map.of(root.resolve("data/./yes").toString(), 3), List.of(data));
        assertEquals(3, oversampling.copiesOf(sample(data, "yes", Label.TUMOR)));
    }

    @Test
    @DisplayName("refuses, naming the entry, a folder outside the data, a missing folder and fewer than one copy")
    void refusesWrongEntries() throws Exception {
        Path data = dataFolder("data", "yes");
        Path outside = dataFolder("outside");
        for (Map<String, Integer> wrong : List.of(Map.of(outside.toString(), 2), Map.of(data.resolve("nope").toString(), 2),
                Map.of(data.resolve("yes").toString(), 0))) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Oversampling.of(wrong, List.of(data)));
            assertTrue(refused.getMessage().startsWith("--oversample " + wrong.keySet().iterator().next() + "="), refused.getMessage());
        }
        assertEquals(List.of(), Oversampling.of(Map.of(), List.of(data)).apply(List.of()));
    }
}
