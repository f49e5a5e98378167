package org.mriclassifier.inference;

import org.mriclassifier.vision.CropBounds;
import org.mriclassifier.vision.PreprocessSpec;
import org.mriclassifier.vision.Preprocessed;
import org.mriclassifier.vision.Preprocessor;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.tensorflow.ndarray.Shape;

/**
 * Draws a Grad-CAM over the stored image. The map belongs to the network's input, which is a crop (the brain's
 * bounding box in the square working frame) of the image resized to that frame; it is mapped back the same way:
 * bilinear up to the crop, placed in the frame (zero outside the crop), bilinear to the image's own size.
 * Blocking (OpenCV, TensorFlow): runs on a worker.
 */
public final class HeatmapRenderer {

    /** How much of the colour map shows over the image. */
    private static final double HEAT_WEIGHT = 0.45;

    private HeatmapRenderer() {
    }

    public static Heatmap render(Classifier classifier, GradCam gradCam, byte[] stored) {
        PreprocessSpec spec = classifier.descriptor().preprocessing();
        Mat bgr = Preprocessor.decode(stored);
        Mat small = new Mat();
        Mat cropped = new Mat();
        Mat frame = Mat.zeros(spec.workingSize(), spec.workingSize(), CvType.CV_32F);
        Mat full = new Mat();
        Mat grey = new Mat();
        Mat colour = new Mat();
        Mat overlay = new Mat();
        try {
            Preprocessed input = Preprocessor.preprocess(bgr, spec);
            GradCam.Map2d map = gradCam.compute(input.pixels(), Shape.of(1, input.size(), input.size(), input.channels()));
            small.create(map.height(), map.width(), CvType.CV_32F);
            small.put(0, 0, map.values());
            CropBounds crop = input.crop();
            Imgproc.resize(small, cropped, new Size(crop.width(), crop.height()), 0, 0, Imgproc.INTER_LINEAR);
            Mat region = frame.submat(new Rect(crop.x(), crop.y(), crop.width(), crop.height()));
            cropped.copyTo(region);
            region.release();
            Imgproc.resize(frame, full, new Size(bgr.cols(), bgr.rows()), 0, 0, Imgproc.INTER_LINEAR);
            double peak = 0;
            for (float v : map.values()) {
                peak = Math.max(peak, v);
            }
            double fullMax = Core.minMaxLoc(full).maxVal;
            full.convertTo(grey, CvType.CV_8U, fullMax > 0 ? 255.0 / fullMax : 0);
            Imgproc.applyColorMap(grey, colour, Imgproc.COLORMAP_JET);
            Core.addWeighted(bgr, 1 - HEAT_WEIGHT, colour, HEAT_WEIGHT, 0, overlay);
            return new Heatmap(png(overlay), png(grey), peak, classifier.descriptor().version());
        } finally {
            for (Mat m : new Mat[] {bgr, small, cropped, frame, full, grey, colour, overlay}) {
                m.release();
            }
        }
    }

    private static byte[] png(Mat image) {
        MatOfByte encoded = new MatOfByte();
        try {
            if (!Imgcodecs.imencode(".png", image, encoded)) {
                throw new IllegalStateException("PNG encoding failed");
            }
            return encoded.toArray();
        } finally {
            encoded.release();
        }
    }
}
