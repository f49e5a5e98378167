package org.mriclassifier.testing;

import org.mriclassifier.vision.OpenCvLoader;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/** Images the tests draw themselves, so no test depends on real scans. */
public final class DrawnImages {

    static {
        OpenCvLoader.ensureLoaded();
    }

    private DrawnImages() {
    }

    /** A filled grey ellipse (the "brain") on black, centred, with the given semi-axes. */
    public static Mat ellipseBrain(int width, int height, int semiAxisX, int semiAxisY, int type) {
        Mat image = Mat.zeros(height, width, type);
        Scalar grey = CvType.channels(type) == 1 ? new Scalar(160) : new Scalar(160, 160, 160, 255);
        Imgproc.ellipse(image, new Point(width / 2.0, height / 2.0), new Size(semiAxisX, semiAxisY), 0, 0, 360, grey, -1);
        return image;
    }

    /** A brain with, optionally, a bright round "lesion" at a chosen spot: a task a CNN can learn. */
    public static Mat brainWithBlob(int size, boolean blob, double blobX, double blobY) {
        Mat image = ellipseBrain(size, size, size * 2 / 5, size * 9 / 20, CvType.CV_8UC3);
        if (blob) {
            Imgproc.circle(image, new Point(blobX, blobY), Math.max(2, size / 10), new Scalar(255, 255, 255), -1);
        }
        return image;
    }

    public static byte[] png(Mat image) {
        return encode(".png", image, new MatOfInt());
    }

    public static byte[] jpeg(Mat image) {
        return encode(".jpg", image, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 90));
    }

    private static byte[] encode(String extension, Mat image, MatOfInt params) {
        MatOfByte buffer = new MatOfByte();
        try {
            if (!Imgcodecs.imencode(extension, image, buffer, params)) {
                throw new IllegalStateException("OpenCV could not encode " + extension);
            }
            return buffer.toArray();
        } finally {
            buffer.release();
            params.release();
        }
    }
}
