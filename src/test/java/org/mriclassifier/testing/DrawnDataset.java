package org.mriclassifier.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.opencv.core.Mat;

/**
 * A labelled folder of drawn scans: "yes" images carry a bright blob somewhere inside the brain, "no" images none.
 * Separable by design, so a short training run must learn it. The images look alike to the perceptual hash, so
 * training on them turns near-duplicate grouping off.
 */
public final class DrawnDataset {

    private DrawnDataset() {
    }

    public static Path write(Path root, int perClass, long seed) throws IOException {
        Random random = new Random(seed);
        Files.createDirectories(root.resolve("yes"));
        Files.createDirectories(root.resolve("no"));
        for (int i = 0; i < perClass; i++) {
            int size = 56 + random.nextInt(24);
            double angle = random.nextDouble() * 2 * Math.PI;
            double radius = random.nextDouble() * size * 0.25;
            Mat tumor = DrawnImages.brainWithBlob(size, true, size / 2.0 + radius * Math.cos(angle), size / 2.0 + radius * Math.sin(angle));
            Mat healthy = DrawnImages.brainWithBlob(size + 4, false, 0, 0);
            // a faint random dot makes every healthy image distinct, so none is dropped as a duplicate
            org.opencv.imgproc.Imgproc.circle(healthy, new org.opencv.core.Point(size / 2.0 + random.nextInt(9) - 4, size / 2.0),
                    1, new org.opencv.core.Scalar(140 + random.nextInt(10), 150, 150), -1);
            Files.write(root.resolve("yes/tumor " + i + ".png"), DrawnImages.png(tumor));
            Files.write(root.resolve("no/healthy_" + i + ".JPG"), DrawnImages.jpeg(healthy));
            tumor.release();
            healthy.release();
        }
        return root;
    }
}
