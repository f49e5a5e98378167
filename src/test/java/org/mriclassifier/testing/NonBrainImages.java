package org.mriclassifier.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.mriclassifier.vision.OpenCvLoader;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Drawn images that are not brain MRI slices, of the kinds a hospital's users upload by mistake: blank and
 * uniform frames, noise, a page of text, a colour picture, a grey picture of shapes, a chessboard, gradients.
 * The shipped model must flag them unfamiliar; tests write them to a folder and score them as serving does.
 */
public final class NonBrainImages {

    static {
        OpenCvLoader.ensureLoaded();
    }

    /** How many images {@link #writeTo} draws (each kind several times with different seeds). */
    public static final int COUNT = 40;

    private static final int KINDS = 8;

    private NonBrainImages() {
    }

    /** Writes {@link #COUNT} PNG files into {@code dir}; returns {@code dir}. */
    public static Path writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < COUNT; i++) {
            Mat image = draw(i % KINDS, new Random(1000L + i));
            try {
                Files.write(dir.resolve(String.format("non-brain-%02d-%s.png", i, kindName(i % KINDS))), DrawnImages.png(image));
            } finally {
                image.release();
            }
        }
        return dir;
    }

    static String kindName(int kind) {
        return switch (kind) {
            case 0 -> "blank";
            case 1 -> "grey-noise";
            case 2 -> "colour-noise";
            case 3 -> "text-page";
            case 4 -> "colour-picture";
            case 5 -> "grey-shapes";
            case 6 -> "chessboard";
            default -> "gradient";
        };
    }

    static Mat draw(int kind, Random random) {
        int width = 200 + random.nextInt(200);
        int height = 200 + random.nextInt(200);
        return switch (kind) {
            case 0 -> new Mat(height, width, CvType.CV_8UC1, new Scalar(random.nextInt(256)));
            case 1 -> noise(width, height, CvType.CV_8UC1, random);
            case 2 -> noise(width, height, CvType.CV_8UC3, random);
            case 3 -> textPage(width, height, random);
            case 4 -> colourPicture(width, height, random);
            case 5 -> greyShapes(width, height, random);
            case 6 -> chessboard(width, height, 10 + random.nextInt(30));
            default -> gradient(width, height, random);
        };
    }

    private static Mat noise(int width, int height, int type, Random random) {
        Mat image = new Mat(height, width, type);
        Core.randu(image, 0, 256);
        if (random.nextBoolean()) {
            Imgproc.GaussianBlur(image, image, new Size(5, 5), 0);
        }
        return image;
    }

    private static Mat textPage(int width, int height, Random random) {
        Mat image = new Mat(height, width, CvType.CV_8UC1, new Scalar(235 + random.nextInt(20)));
        String[] words = {"Patient", "referral", "findings", "impression", "report", "contrast", "axial", "signed"};
        for (int y = 20; y < height - 10; y += 18) {
            StringBuilder line = new StringBuilder();
            while (line.length() < width / 8) {
                line.append(words[random.nextInt(words.length)]).append(' ');
            }
            Imgproc.putText(image, line.toString(), new Point(8, y), Imgproc.FONT_HERSHEY_SIMPLEX, 0.45, new Scalar(20), 1);
        }
        return image;
    }

    private static Mat colourPicture(int width, int height, Random random) {
        Mat image = new Mat(height, width, CvType.CV_8UC3);
        // a sky above a field, a sun, and an animal-like blob
        Imgproc.rectangle(image, new Point(0, 0), new Point(width, height * 0.6), new Scalar(230, 170, 90), -1);
        Imgproc.rectangle(image, new Point(0, height * 0.6), new Point(width, height), new Scalar(40, 160, 60), -1);
        Imgproc.circle(image, new Point(width * 0.8, height * 0.2), height / 10, new Scalar(60, 220, 250), -1);
        Imgproc.ellipse(image, new Point(width * (0.3 + 0.3 * random.nextDouble()), height * 0.65),
                new Size(width / 6.0, height / 9.0), 0, 0, 360, new Scalar(40, 80, 140), -1);
        return image;
    }

    private static Mat greyShapes(int width, int height, Random random) {
        Mat image = new Mat(height, width, CvType.CV_8UC1, new Scalar(random.nextInt(80)));
        for (int i = 0; i < 6; i++) {
            Point a = new Point(random.nextInt(width), random.nextInt(height));
            Point b = new Point(random.nextInt(width), random.nextInt(height));
            Imgproc.rectangle(image, a, b, new Scalar(80 + random.nextInt(176)), -1);
        }
        MatOfPoint triangle = new MatOfPoint(new Point(width / 2.0, 10), new Point(10, height - 10), new Point(width - 10, height - 10));
        Imgproc.polylines(image, java.util.List.of(triangle), true, new Scalar(255), 3);
        return image;
    }

    private static Mat chessboard(int width, int height, int square) {
        Mat image = new Mat(height, width, CvType.CV_8UC1, new Scalar(0));
        for (int y = 0; y < height; y += square) {
            for (int x = (y / square) % 2 == 0 ? 0 : square; x < width; x += 2 * square) {
                Imgproc.rectangle(image, new Point(x, y), new Point(x + square - 1, y + square - 1), new Scalar(255), -1);
            }
        }
        return image;
    }

    private static Mat gradient(int width, int height, Random random) {
        Mat image = new Mat(height, width, CvType.CV_8UC1);
        boolean horizontal = random.nextBoolean();
        byte[] row = new byte[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                row[x] = (byte) (255 * (horizontal ? x / (double) width : y / (double) height));
            }
            image.put(y, 0, row);
        }
        return image;
    }
}
