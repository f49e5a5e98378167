package org.mriclassifier.vision;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mriclassifier.inference.ModelDescriptors;
import org.opencv.core.Core;
import org.opencv.core.CvException;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * The child JVM of the OpenCV fuzz targets ({@link DecodeFuzzTest}, {@link MetadataStripperFuzzTest}): OpenCV
 * runs here, so a native crash ends this process, not the test run, and its parent reports it as a finding.
 *
 * <p>Protocol on stdin/stdout. Once OpenCV is loaded this writes the UTF line {@code READY}. Then, for each
 * request, the parent writes a mode byte and each image as a 4-byte length and the bytes; this answers one UTF
 * line and its resident size in KiB.
 * <ul>
 *   <li>{@code P} + one image: what the vision worker runs (header check, metadata stripping, OpenCV decode, the
 *       served model's preprocessing). Answers {@code OK}, {@code REFUSED <status>}, {@code MALFORMED},
 *       {@code UNDECODABLE}, {@code OPENCV <message>} (OpenCV refused after the checks passed: the worker
 *       answers 422) or {@code UNEXPECTED <exception> <message>}.</li>
 *   <li>{@code S} + two images (original, stripped): whether both decode to the same pixels. Answers
 *       {@code SAME}, {@code ORIGINAL_UNDECODABLE}, or {@code DIFFERENT <why>}.</li>
 * </ul>
 */
public final class DecodeWorker {

    static final long MAX_PIXELS = 16_777_216L;
    static final int MAX_SIDE = 8192;
    static final long MAX_DECODED_BYTES = 64L << 20;

    private DecodeWorker() {
    }

    public static void main(String[] args) throws IOException {
        PreprocessSpec spec = ModelDescriptors.read(Path.of(args.length > 0 ? args[0] : "model/default")).preprocessing();
        OpenCvLoader.ensureLoaded();
        DataInputStream in = new DataInputStream(System.in);
        DataOutputStream out = new DataOutputStream(System.out);
        out.writeUTF("READY");
        out.flush();
        while (true) {
            String outcome;
            try {
                int mode = in.readUnsignedByte();
                outcome = mode == 'S' ? samePixels(read(in), read(in)) : pipeline(read(in), spec);
            } catch (EOFException parentGone) {
                return;
            }
            out.writeUTF(outcome);
            out.writeLong(residentKib());
            out.flush();
        }
    }

    private static byte[] read(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return bytes;
    }

    /** Exactly what VisionVerticle runs on an upload. */
    static String pipeline(byte[] bytes, PreprocessSpec spec) {
        try {
            ImageHeader.inspect(bytes, MAX_PIXELS, MAX_SIDE, MAX_DECODED_BYTES);
            byte[] stripped = MetadataStripper.strip(bytes);
            Preprocessed result = Preprocessor.preprocess(stripped, spec);
            return valid(result, spec) ? "OK" : "UNEXPECTED invalid-output " + result.pixels().length + " values";
        } catch (ImageHeader.Rejected e) {
            return "REFUSED " + e.status();
        } catch (MetadataStripper.MalformedImage e) {
            return "MALFORMED";
        } catch (ImageDecodeException e) {
            return "UNDECODABLE";
        } catch (CvException e) {
            return "OPENCV " + oneLine(e.getMessage());
        } catch (RuntimeException | Error e) {
            return "UNEXPECTED " + e.getClass().getName() + " " + oneLine(e.getMessage());
        }
    }

    /** Both decoded as the server decodes (IMREAD_UNCHANGED: no EXIF rotation, every channel and bit kept). */
    static String samePixels(byte[] original, byte[] stripped) {
        Mat a = decode(original);
        if (a == null || a.empty()) {
            release(a);
            return "ORIGINAL_UNDECODABLE";
        }
        Mat b = decode(stripped);
        try {
            if (b == null || b.empty()) {
                return "DIFFERENT the stripped image does not decode";
            }
            if (a.rows() != b.rows() || a.cols() != b.cols() || a.type() != b.type()) {
                return "DIFFERENT " + a + " became " + b;
            }
            Mat diff = new Mat();
            try {
                Core.absdiff(a, b, diff);
                double changed = Core.sumElems(diff).val[0] + Core.sumElems(diff).val[1] + Core.sumElems(diff).val[2]
                        + Core.sumElems(diff).val[3];
                return changed == 0 ? "SAME" : "DIFFERENT pixel values differ by " + changed + " in all";
            } finally {
                diff.release();
            }
        } catch (CvException e) {
            return "DIFFERENT " + oneLine(e.getMessage());
        } finally {
            release(a);
            release(b);
        }
    }

    private static Mat decode(byte[] bytes) {
        MatOfByte encoded = new MatOfByte(bytes);
        try {
            return Imgcodecs.imdecode(encoded, Imgcodecs.IMREAD_UNCHANGED);
        } catch (CvException refused) {
            return null;
        } finally {
            encoded.release();
        }
    }

    private static void release(Mat m) {
        if (m != null) {
            m.release();
        }
    }

    /** The model's input: the right number of values, each a finite number in [0, 1]. */
    private static boolean valid(Preprocessed result, PreprocessSpec spec) {
        float[] pixels = result.pixels();
        if (pixels.length != spec.pixelsPerImage()) {
            return false;
        }
        for (float p : pixels) {
            if (!(p >= 0f && p <= 1f)) {
                return false;
            }
        }
        return true;
    }

    private static String oneLine(String message) {
        String text = message == null ? "" : message.replaceAll("\\s+", " ");
        return text.length() > 300 ? text.substring(0, 300) : text;
    }

    private static long residentKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            // fall through: the memory check needs /proc
        }
        return -1;
    }
}
