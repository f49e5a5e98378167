package org.mriclassifier.vision;

import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.CLAHE;
import org.opencv.imgproc.Imgproc;

/** Contrast-limited adaptive histogram equalisation of each channel of an 8-bit image, written back into it. */
final class Clahe {

    private Clahe() {
    }

    static void apply(Mat image, double clipLimit, int tiles) {
        CLAHE clahe = Imgproc.createCLAHE(clipLimit, new Size(tiles, tiles));
        List<Mat> planes = new ArrayList<>();
        List<Mat> equalised = new ArrayList<>();
        Core.split(image, planes);
        try {
            for (Mat plane : planes) {
                Mat out = new Mat();
                equalised.add(out);
                clahe.apply(plane, out);
            }
            Core.merge(equalised, image);
        } finally {
            planes.forEach(Mat::release);
            equalised.forEach(Mat::release);
        }
    }
}
