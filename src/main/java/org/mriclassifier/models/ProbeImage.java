package org.mriclassifier.models;

import org.mriclassifier.vision.OpenCvLoader;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * The built-in probe image every uploaded model must answer before it is accepted: a drawn axial "slice" (a grey
 * ellipse with a darker ventricle and a bright spot on black), so the check needs no patient data. Its answer is
 * not judged, only that the model gives one, a probability, the same for the same image.
 */
final class ProbeImage {

    private static byte[] png;

    private ProbeImage() {
    }

    static synchronized byte[] png() {
        if (png == null) {
            OpenCvLoader.ensureLoaded();
            Mat image = Mat.zeros(256, 256, CvType.CV_8UC3);
            MatOfByte encoded = new MatOfByte();
            try {
                Imgproc.ellipse(image, new Point(128, 128), new Size(96, 112), 0, 0, 360, new Scalar(150, 150, 150), -1);
                Imgproc.ellipse(image, new Point(128, 120), new Size(20, 34), 0, 0, 360, new Scalar(60, 60, 60), -1);
                Imgproc.circle(image, new Point(170, 90), 14, new Scalar(250, 250, 250), -1);
                if (!Imgcodecs.imencode(".png", image, encoded)) {
                    throw new IllegalStateException("OpenCV could not encode the probe image");
                }
                png = encoded.toArray();
            } finally {
                image.release();
                encoded.release();
            }
        }
        return png;
    }
}
