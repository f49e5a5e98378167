package org.mriclassifier.vision;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mriclassifier.inference.ModelDescriptors;
import org.opencv.core.CvException;

/**
 * The child JVM of {@link DecodeFuzzTest}: runs what the vision worker runs on each image it is sent (header
 * check, OpenCV decode, the served model's preprocessing) and answers with one line saying how it ended. A
 * native crash in OpenCV ends this process, not the test run; its parent reports it as a finding.
 *
 * <p>Protocol on stdin/stdout: the parent writes a 4-byte length and the bytes; this answers one UTF line:
 * {@code OK}, {@code REFUSED <status>}, {@code UNDECODABLE}, {@code OPENCV <message>} (OpenCV refused after the
 * header passed: the worker answers 422) or {@code UNEXPECTED <exception> <message>}, then its resident size
 * in KiB.
 */
public final class DecodeWorker {

    private DecodeWorker() {
    }

    public static void main(String[] args) throws IOException {
        PreprocessSpec spec = ModelDescriptors.read(Path.of(args.length > 0 ? args[0] : "model/default")).preprocessing();
        long maxPixels = 16_777_216L;
        int maxSide = 8192;
        OpenCvLoader.ensureLoaded();
        DataInputStream in = new DataInputStream(System.in);
        DataOutputStream out = new DataOutputStream(System.out);
        while (true) {
            byte[] bytes;
            try {
                bytes = new byte[in.readInt()];
                in.readFully(bytes);
            } catch (EOFException parentGone) {
                return;
            }
            String outcome;
            try {
                ImageHeader.inspect(bytes, maxPixels, maxSide);
                Preprocessed result = Preprocessor.preprocess(bytes, spec);
                outcome = valid(result, spec) ? "OK" : "UNEXPECTED invalid-output " + result.pixels().length + " values";
            } catch (ImageHeader.Rejected e) {
                outcome = "REFUSED " + e.status();
            } catch (ImageDecodeException e) {
                outcome = "UNDECODABLE";
            } catch (CvException e) {
                outcome = "OPENCV " + oneLine(e.getMessage());
            } catch (RuntimeException | Error e) {
                outcome = "UNEXPECTED " + e.getClass().getName() + " " + oneLine(e.getMessage());
            }
            out.writeUTF(outcome);
            out.writeLong(residentKib());
            out.flush();
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
