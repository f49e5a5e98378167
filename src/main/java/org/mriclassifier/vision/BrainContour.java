package org.mriclassifier.vision;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Finds the brain in a grey working frame the way the original project did: blur, threshold, erode, dilate,
 * take the largest external contour and the box spanned by its extreme points.
 */
final class BrainContour {

    private BrainContour() {
    }

    /** The box around the largest contour, or empty when nothing large enough stands out from the background. */
    static Optional<CropBounds> find(Mat grey, PreprocessSpec spec) {
        Mat mask = new Mat();
        Mat kernel = Imgproc.getStructuringElement(Imgproc.MORPH_RECT, new Size(spec.morphKernel(), spec.morphKernel()));
        Mat hierarchy = new Mat();
        List<MatOfPoint> contours = new ArrayList<>();
        try {
            Imgproc.GaussianBlur(grey, mask, new Size(spec.blurKernel(), spec.blurKernel()), 0);
            Imgproc.threshold(mask, mask, spec.threshold(), 255, Imgproc.THRESH_BINARY);
            if (spec.erodeIterations() > 0) {
                Imgproc.erode(mask, mask, kernel, new Point(-1, -1), spec.erodeIterations());
            }
            if (spec.dilateIterations() > 0) {
                Imgproc.dilate(mask, mask, kernel, new Point(-1, -1), spec.dilateIterations());
            }
            Imgproc.findContours(mask, contours, hierarchy, Imgproc.RETR_EXTERNAL, Imgproc.CHAIN_APPROX_SIMPLE);
            return largest(contours)
                    .filter(c -> Imgproc.contourArea(c) >= spec.minContourAreaFraction() * grey.rows() * grey.cols())
                    .flatMap(BrainContour::extremePointBox);
        } finally {
            contours.forEach(Mat::release);
            hierarchy.release();
            kernel.release();
            mask.release();
        }
    }

    private static Optional<MatOfPoint> largest(List<MatOfPoint> contours) {
        MatOfPoint best = null;
        double bestArea = -1;
        for (MatOfPoint contour : contours) {
            double area = Imgproc.contourArea(contour);
            if (area > bestArea) {
                bestArea = area;
                best = contour;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Extreme left, right, top and bottom points, inclusive, as the original's extLeft/extRight/extTop/extBot. */
    private static Optional<CropBounds> extremePointBox(MatOfPoint contour) {
        int[] xy = new int[(int) contour.total() * 2];
        contour.get(0, 0, xy);
        int minX = Integer.MAX_VALUE;
        int minY = Integer.MAX_VALUE;
        int maxX = Integer.MIN_VALUE;
        int maxY = Integer.MIN_VALUE;
        for (int i = 0; i < xy.length; i += 2) {
            minX = Math.min(minX, xy[i]);
            maxX = Math.max(maxX, xy[i]);
            minY = Math.min(minY, xy[i + 1]);
            maxY = Math.max(maxY, xy[i + 1]);
        }
        if (xy.length == 0 || maxX <= minX || maxY <= minY) {
            return Optional.empty();
        }
        return Optional.of(new CropBounds(minX, minY, maxX - minX + 1, maxY - minY + 1));
    }
}
