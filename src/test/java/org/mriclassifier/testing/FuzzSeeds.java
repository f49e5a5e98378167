package org.mriclassifier.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Writes the seed corpus of every fuzz target into src/test/resources (committed): images drawn here, the
 * hostile files the other tests already throw at the server, and real requests of each kind. Findings are
 * added next to the seeds by Jazzer itself ({@code crash-*}, {@code timeout-*}) and committed once fixed.
 * Run with {@code bench/fuzz-seeds.sh}; re-running gives the same files.
 */
public final class FuzzSeeds {

    private static final Path RESOURCES = Path.of("src/test/resources/org/mriclassifier");

    private FuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, byte[]> images = images();
        write("vision/ImageHeaderFuzzTestInputs/headerFactsHoldOrTheImageIsRefused", images);
        write("vision/DecodeFuzzTestInputs/decodeGivesAModelInputOrAClearRefusal", images);
        write("vision/MetadataStripperFuzzTestInputs/strippedImagesHoldNoMetadataAndTheSamePixels", images);
        write("api/UploadJsonFuzzTestInputs/jsonBodyReadsAsAnUploadOrIsRefused", jsonBodies(images.get("png-grey-32")));
        write("api/HttpInputsFuzzTestInputs/everyRequestIsAnsweredOrClearlyRefused", requests(images));
        write("api/BearerFormatFuzzTestInputs/onlyWellFormedBearerHeadersPass", texts(
                "bearer-jwt", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
                "bearer-lower", "bearer a.b.c",
                "bearer-no-token", "Bearer",
                "bearer-two-dots-only", "Bearer ..",
                "basic", "Basic Zm9vOmJhcg==",
                "bearer-unicode", "BEARER \u0130a.b.c"));
        write("auth/TokenShapeFuzzTestInputs/onlyTokensShapedLikeOursPass", texts(
                "ours", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiZXhwIjoxLCJ2ZXIiOjF9.c2ln",
                "alg-none", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
                "kid", "eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLy4uL2Rldi9udWxsIn0.eyJzdWIiOiIxIn0.c2ln",
                "exp-null", "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOm51bGx9.c2ln",
                "not-base64", "%%%.%%%.%%%"));
        write("bus/EntityTagsFuzzTestInputs/ifMatchGoesAheadExactlyWhenItNamesTheCurrentTag", withTrailing(4,
                "current", "\"1\"", "star", "*", "weak", "W/\"1\"", "list", "\"0\", \"1\" ,\"2\"", "unquoted", "1",
                "empty-list", ",,,"));
        write("mri/ListFiltersFuzzTestInputs/cursorsAndTimesParseToComparableValuesOrAre400", withTrailing(24,
                "cursor", Base64.getUrlEncoder().withoutPadding().encodeToString(
                        "1767225600000000:0b5f6a34-1c1e-4a43-9a57-1b1f7d1e2a01".getBytes(StandardCharsets.US_ASCII)),
                "time", "2026-01-31T00:00:00Z",
                "time-offset", "2026-01-31T00:00:00.123456+05:30",
                "not-base64", "%%%"));
    }

    /** Drawn images of each kind the server accepts, and the kinds it must refuse. */
    static Map<String, byte[]> images() {
        Map<String, byte[]> images = new LinkedHashMap<>();
        images.put("png-grey-32", png(DrawnImages.ellipseBrain(32, 32, 12, 14, CvType.CV_8UC1)));
        images.put("png-bgr-48", png(DrawnImages.brainWithBlob(48, true, 20, 24)));
        images.put("png-bgra-40", png(DrawnImages.ellipseBrain(40, 40, 15, 17, CvType.CV_8UC4)));
        Mat deep = DrawnImages.ellipseBrain(32, 24, 12, 10, CvType.CV_16UC1);
        images.put("png-16bit-32x24", png(deep));
        images.put("jpeg-bgr-48", jpeg(DrawnImages.brainWithBlob(48, true, 30, 20), false));
        images.put("jpeg-grey-32", jpeg(DrawnImages.ellipseBrain(32, 32, 12, 14, CvType.CV_8UC1), false));
        images.put("jpeg-progressive-48", jpeg(DrawnImages.brainWithBlob(48, false, 0, 0), true));
        images.put("jpeg-exif-comment", withJpegMetadata(images.get("jpeg-grey-32")));
        images.put("png-text-chunks", withPngText(images.get("png-grey-32")));
        images.put("jpeg-zip-polyglot", concat(images.get("jpeg-grey-32"),
                "PK\u0003\u0004\u0014\u0000\u0000\u0000\u0000\u0000PK\u0005\u0006".getBytes(StandardCharsets.ISO_8859_1)));
        images.put("png-pixel-bomb", TestImages.pngDeclaring(65535, 65535));
        images.put("png-just-under-limits", TestImages.pngDeclaring(8192, 2048));
        images.put("png-zero-width", TestImages.pngDeclaring(0, 16));
        images.put("jpeg-truncated", TestImages.truncatedJpeg(3));
        images.put("png-corrupt-data", TestImages.corruptPng(3));
        images.put("bmp", TestImages.bmp());
        images.put("gif", TestImages.gif());
        images.put("tiff", TestImages.tiff());
        images.put("jpeg2000", TestImages.jpeg2000());
        return images;
    }

    private static Map<String, byte[]> jsonBodies(byte[] image) {
        String b64 = Base64.getEncoder().encodeToString(image);
        String wrapped = Base64.getMimeEncoder(16, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(image);
        return texts(
                "upload", "{\"image\":\"" + b64 + "\",\"gender\":\"female\",\"hospital\":\"hq\",\"class\":\"tumor\"}",
                "data-url", "{\"image\":\"data:image/png;base64," + b64 + "\",\"gender\":\"male\"}",
                "wrapped-base64", "{\"image\":\"" + wrapped.replace("\n", "\\n") + "\"}",
                "server-path", "{\"path\":\"/etc/passwd\",\"gender\":\"female\"}",
                "image-number", "{\"image\":5}",
                "bad-base64", "{\"image\":\"!!!!\"}",
                "unknown-field", "{\"image\":\"" + b64 + "\",\"extra\":1}",
                "gender-object", "{\"image\":\"" + b64 + "\",\"gender\":{}}",
                "json-null", "null",
                "json-array", "[1,2]",
                "json-string", "\"text\"",
                "empty-object", "{}",
                "deep-nesting", "{\"image\":" + "[".repeat(3000) + "]".repeat(3000) + "}",
                "huge-number", "{\"image\":1" + "0".repeat(2000) + "}",
                "duplicate-keys", "{\"image\":\"" + b64 + "\",\"image\":\"AAAA\"}");
    }

    /** One real request of each kind, as HttpInputsFuzzTest reads them: kind byte, then the payload. */
    private static Map<String, byte[]> requests(Map<String, byte[]> images) {
        Map<String, byte[]> requests = new LinkedHashMap<>();
        requests.put("multipart-upload", kind(0, multipart(images.get("png-bgr-48"), "image/png",
                "gender", "female", "hospital", "hq", "class", "tumor")));
        requests.put("multipart-jpeg-no-class", kind(0, multipart(images.get("jpeg-bgr-48"), "image/jpeg",
                "gender", "male", "hospital", "hq")));
        requests.put("multipart-server-path", kind(0, multipart(null, null, "path", "/etc/passwd", "gender", "female")));
        requests.put("multipart-pixel-bomb", kind(0, multipart(images.get("png-pixel-bomb"), "image/png",
                "gender", "female", "hospital", "hq")));
        requests.put("json-upload", kind(1, ("{\"image\":\"" + Base64.getEncoder().encodeToString(images.get("jpeg-grey-32"))
                + "\",\"gender\":\"other\",\"hospital\":\"hq\"}").getBytes(StandardCharsets.US_ASCII)));
        requests.put("json-null", kind(1, "null".getBytes(StandardCharsets.US_ASCII)));
        requests.put("mri-query", kind(2, "limit=10&class=tumor&gender=female&prediction=healthy&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z"
                .getBytes(StandardCharsets.US_ASCII)));
        requests.put("mri-query-cursor", kind(2, ("cursor=" + Base64.getUrlEncoder().withoutPadding().encodeToString(
                "1767225600000000:0b5f6a34-1c1e-4a43-9a57-1b1f7d1e2a01".getBytes(StandardCharsets.US_ASCII)))
                .getBytes(StandardCharsets.US_ASCII)));
        requests.put("mri-query-class-none", kind(2, "class=none&hospital=hq&limit=1".getBytes(StandardCharsets.US_ASCII)));
        requests.put("users-query", kind(3, "hospital=hq&role=doctor&q=fuzz&limit=20&offset=0".getBytes(StandardCharsets.US_ASCII)));
        requests.put("authorization-bearer", kind(4, "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln".getBytes(StandardCharsets.US_ASCII)));
        requests.put("authorization-basic", kind(4, "Basic Zm9vOmJhcg==".getBytes(StandardCharsets.US_ASCII)));
        requests.put("authorization-alg-none", kind(4, "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.".getBytes(StandardCharsets.US_ASCII)));
        requests.put("if-match-current", kind(5, "\"1\"".getBytes(StandardCharsets.US_ASCII)));
        requests.put("if-match-list", kind(5, "\"7\", W/\"1\", \"1\"".getBytes(StandardCharsets.US_ASCII)));
        requests.put("if-match-star", kind(5, "*".getBytes(StandardCharsets.US_ASCII)));
        return requests;
    }

    static byte[] multipart(byte[] file, String fileType, String... fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            out.writeBytes(("--fuzzboundary\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n"
                    + fields[i + 1] + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        if (file != null) {
            out.writeBytes(("--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan\"\r\n"
                    + "Content-Type: " + fileType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(file);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("--fuzzboundary--\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] kind(int kind, byte[] payload) {
        return concat(new byte[] {(byte) kind}, payload);
    }

    private static Map<String, byte[]> texts(String... namesAndTexts) {
        Map<String, byte[]> texts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < namesAndTexts.length; i += 2) {
            texts.put(namesAndTexts[i], namesAndTexts[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return texts;
    }

    /** Texts followed by zero bytes: FuzzedDataProvider takes numbers from the end of an input, text from its start. */
    private static Map<String, byte[]> withTrailing(int zeros, String... namesAndTexts) {
        Map<String, byte[]> texts = texts(namesAndTexts);
        texts.replaceAll((name, text) -> concat(text, new byte[zeros]));
        return texts;
    }

    private static byte[] png(Mat image) {
        try {
            return DrawnImages.png(image);
        } finally {
            image.release();
        }
    }

    private static byte[] jpeg(Mat image, boolean progressive) {
        MatOfByte buffer = new MatOfByte();
        MatOfInt params = new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 85, Imgcodecs.IMWRITE_JPEG_PROGRESSIVE, progressive ? 1 : 0);
        try {
            Imgcodecs.imencode(".jpg", image, buffer, params);
            return buffer.toArray();
        } finally {
            buffer.release();
            params.release();
            image.release();
        }
    }

    /** An EXIF APP1 segment (with a GPS-looking tag name in it) and a COM segment right after SOI. */
    static byte[] withJpegMetadata(byte[] jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xFF);
        out.write(0xD8);
        segment(out, 0xE1, concat("Exif\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1),
                "MM\u0000*\u0000\u0000\u0000\u0008\u0000\u0000 PatientName=DOE^JANE GPSLatitude".getBytes(StandardCharsets.ISO_8859_1)));
        segment(out, 0xFE, "scanned at St. Mary, patient 12345".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(Arrays.copyOfRange(jpeg, 2, jpeg.length));
        return out.toByteArray();
    }

    private static void segment(ByteArrayOutputStream out, int marker, byte[] data) {
        out.write(0xFF);
        out.write(marker);
        out.write((data.length + 2) >> 8);
        out.write((data.length + 2) & 0xFF);
        out.writeBytes(data);
    }

    /** tEXt, zTXt-looking and iTXt chunks between IHDR and the image data. */
    static byte[] withPngText(byte[] png) {
        int afterIhdr = 8 + 4 + 4 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Arrays.copyOfRange(png, 0, afterIhdr));
        chunk(out, "tEXt", "Comment\u0000patient DOE^JANE, MRN 12345".getBytes(StandardCharsets.ISO_8859_1));
        chunk(out, "iTXt", "Author\u0000\u0000\u0000\u0000\u0000Dr. Who".getBytes(StandardCharsets.ISO_8859_1));
        chunk(out, "tIME", new byte[] {0x07, (byte) 0xEA, 1, 31, 12, 0, 0});
        out.writeBytes(Arrays.copyOfRange(png, afterIhdr, png.length));
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static void write(String dir, Map<String, byte[]> seeds) throws IOException {
        Path target = RESOURCES.resolve(dir);
        Files.createDirectories(target);
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            Files.write(target.resolve("seed-" + seed.getKey()), seed.getValue());
        }
        System.out.println(seeds.size() + " seeds in " + target);
    }
}
