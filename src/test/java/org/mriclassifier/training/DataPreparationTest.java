package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mriclassifier.testing.DrawnImages;
import org.mriclassifier.vision.PreprocessSpec;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

@DisplayName("Data preparation")
class DataPreparationTest {

    @Test
    @DisplayName("reads labels from folder names, case-insensitively, as the data sets' README defines them")
    void labelsFromFolderNames() {
        for (String tumor : List.of("yes", "tumor", "Glioma", "meningioma", "PITUITARY")) {
            assertEquals(Optional.of(Label.TUMOR), Label.fromFolderName(tumor), tumor);
        }
        for (String healthy : List.of("no", "Healthy", "notumor", "no_tumor")) {
            assertEquals(Optional.of(Label.HEALTHY), Label.fromFolderName(healthy), healthy);
        }
        assertEquals(Optional.empty(), Label.fromFolderName("train"));
    }

    @Test
    @DisplayName("finds .jpg, .JPG, .jpeg and .png files, names with spaces included, and skips other files")
    void scansImageFiles(@TempDir Path root) throws IOException {
        Mat brain = DrawnImages.ellipseBrain(64, 64, 20, 25, CvType.CV_8UC3);
        Files.createDirectories(root.resolve("yes"));
        Files.createDirectories(root.resolve("no"));
        Files.write(root.resolve("yes/Y1.JPG"), DrawnImages.jpeg(brain));
        Files.write(root.resolve("yes/scan 2.jpeg"), DrawnImages.jpeg(brain));
        Files.write(root.resolve("no/3 no.png"), DrawnImages.png(brain));
        Files.writeString(root.resolve("no/notes.txt"), "not an image");
        brain.release();

        List<ImageFile> files = DatasetScanner.scan(List.of(root));

        assertEquals(3, files.size());
        Map<String, Label> byName = files.stream().collect(Collectors.toMap(f -> f.path().getFileName().toString(), ImageFile::label));
        assertEquals(Map.of("Y1.JPG", Label.TUMOR, "scan 2.jpeg", Label.TUMOR, "3 no.png", Label.HEALTHY), byName);
    }

    @Test
    @DisplayName("removes exact duplicates before splitting and groups a resized, re-encoded copy with its original")
    void duplicatesAndNearDuplicates(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("yes"));
        Files.createDirectories(root.resolve("no"));
        Mat original = DrawnImages.brainWithBlob(200, true, 80, 90);
        Mat resized = new Mat();
        Imgproc.resize(original, resized, new Size(150, 150));
        Mat other = DrawnImages.brainWithBlob(200, true, 70, 70);
        for (int[] lesion : new int[][] {{130, 80, 12}, {100, 140, 18}, {60, 120, 10}}) {
            Imgproc.circle(other, new org.opencv.core.Point(lesion[0], lesion[1]), lesion[2], new org.opencv.core.Scalar(255, 255, 255), -1);
        }
        Mat healthy = DrawnImages.brainWithBlob(200, false, 0, 0);
        Files.write(root.resolve("yes/a.png"), DrawnImages.png(original));
        Files.write(root.resolve("yes/a copy.png"), DrawnImages.png(original));
        Files.write(root.resolve("yes/a smaller.jpg"), DrawnImages.jpeg(resized));
        Files.write(root.resolve("yes/b.png"), DrawnImages.png(other));
        Files.write(root.resolve("no/c.png"), DrawnImages.png(healthy));
        List.of(original, resized, other, healthy).forEach(Mat::release);

        PreparedData data = PreparedData.load(List.of(root), 24, 2, PreprocessSpec.original());

        assertEquals(1, data.dedup().removedCopies());
        assertEquals(4, data.samples().size());
        int[] group = data.groups().groupOf();
        // of two identical files the first in path order stays: "a copy.png" sorts before "a.png"
        int a = indexOf(data, "a copy.png");
        assertEquals(group[a], group[indexOf(data, "a smaller.jpg")], "a resized copy is a near-duplicate");
        assertNotEquals(group[a], group[indexOf(data, "b.png")], "a scan with other lesions is another image");
    }

    @Test
    @DisplayName("splits each (data set, label) stratum in proportion, with a fixed seed, never cutting a near-duplicate group")
    void stratifiedGroupAwareSplit() {
        List<Sample> samples = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            samples.add(sample("d", i < 60 ? Label.TUMOR : Label.HEALTHY, i));
        }
        int[] groups = new int[100];
        for (int i = 0; i < 100; i++) {
            groups[i] = i < 10 ? 0 : i; // the first ten tumor images are copies of one another
        }

        Split split = StratifiedSplitter.holdOut(samples, groups, 0.2, 7);
        Split again = StratifiedSplitter.holdOut(samples, groups, 0.2, 7);

        assertEquals(java.util.Arrays.toString(split.heldOut()), java.util.Arrays.toString(again.heldOut()));
        Set<Integer> heldOut = java.util.Arrays.stream(split.heldOut()).boxed().collect(Collectors.toSet());
        long heldOutTumors = heldOut.stream().filter(i -> i < 60).count();
        long heldOutHealthy = heldOut.stream().filter(i -> i >= 60).count();
        assertEquals(8, heldOutHealthy);
        assertTrue(heldOutTumors >= 12 && heldOutTumors <= 21, "about 20% of the tumors, group included or not: " + heldOutTumors);
        long copiesHeldOut = heldOut.stream().filter(i -> i < 10).count();
        assertTrue(copiesHeldOut == 0 || copiesHeldOut == 10, "the ten copies stay together");
        assertEquals(100, split.train().length + split.heldOut().length);
    }

    @Test
    @DisplayName("cross-validation folds are disjoint, cover every image once, and keep the class balance")
    void kFold() {
        List<Sample> samples = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            samples.add(sample("d", i % 5 < 3 ? Label.TUMOR : Label.HEALTHY, i));
        }
        int[] groups = java.util.stream.IntStream.range(0, 50).toArray();

        List<Split> folds = StratifiedSplitter.kFold(samples, groups, 5, 1);

        Set<Integer> seen = new HashSet<>();
        for (Split fold : folds) {
            assertEquals(10, fold.heldOut().length);
            assertEquals(40, fold.train().length);
            assertEquals(6, java.util.Arrays.stream(fold.heldOut()).filter(i -> samples.get(i).label() == Label.TUMOR).count());
            java.util.Arrays.stream(fold.heldOut()).forEach(i -> assertTrue(seen.add(i), "image " + i + " held out twice"));
        }
        assertEquals(50, seen.size());
    }

    private static Sample sample(String dataset, Label label, int id) {
        long[] hash = {id, 0, 0, 0};
        return new Sample(new ImageFile(Path.of(id + ".png"), dataset, label), Integer.toString(id), hash, new float[1], false);
    }

    private static int indexOf(PreparedData data, String fileName) {
        for (int i = 0; i < data.samples().size(); i++) {
            if (data.samples().get(i).file().path().getFileName().toString().equals(fileName)) {
                return i;
            }
        }
        throw new AssertionError(fileName + " not loaded");
    }
}
