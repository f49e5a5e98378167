package org.mriclassifier.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.inference.ModelChecksums;
import org.mriclassifier.inference.ModelDescriptor;
import org.mriclassifier.inference.ModelLoadException;
import org.mriclassifier.vision.Preprocessed;
import org.mriclassifier.vision.Preprocessor;
import org.tensorflow.Signature;
import org.tensorflow.proto.DataType;

/**
 * An uploaded model: a zip of a model folder as {@code train} writes it (model.json, checksums.sha256,
 * saved_model.pb, variables/, and the unfamiliar detector's file when it has one), at the zip's root or in one
 * folder. Unpacking is bounded (entries, bytes in all, no entry outside the target folder, no links), and the
 * unpacked folder is accepted only when it loads as a servable model: every weight file matches its checksum, the
 * serving signature has the input and outputs model.json names with the shapes its preprocessing implies, and a
 * prediction on the built-in probe image gives probabilities. Blocking: run on a worker.
 */
public final class ModelBundle {

    /** Versions name folders: letters, digits, '.', '_' and '-', starting with a letter or digit. */
    public static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** A bundle that is not a servable model; the message says why, in words a client may read. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Bounds of an unpacked bundle. */
    public record Limits(int maxEntries, long maxUnpackedBytes) {
    }

    private ModelBundle() {
    }

    /**
     * Unpacks {@code zip} into {@code target} (which must not exist), and returns the folder holding model.json.
     *
     * @throws Refused for anything but a well-formed zip of files within the limits
     */
    public static Path unpack(InputStream zip, Path target, Limits limits) throws Refused, IOException {
        Files.createDirectories(target);
        Path root = target.toRealPath();
        int entries = 0;
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(zip)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (++entries > limits.maxEntries()) {
                    throw new Refused("the zip has more than " + limits.maxEntries() + " entries");
                }
                String name = entry.getName().replace('\\', '/');
                if (name.startsWith("/") || name.contains("\0") || name.contains(":")
                        || Stream.of(name.split("/")).anyMatch(".."::equals)) {
                    throw new Refused("the zip has an entry outside its folder");
                }
                Path path = root.resolve(name).normalize();
                if (!path.startsWith(root)) {
                    throw new Refused("the zip has an entry outside its folder");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                Files.createDirectories(path.getParent());
                try (OutputStream out = Files.newOutputStream(path, java.nio.file.StandardOpenOption.CREATE_NEW)) {
                    // the declared sizes of an entry may lie: count what is really inflated
                    for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                        total += n;
                        if (total > limits.maxUnpackedBytes()) {
                            throw new Refused("the zip unpacks to more than " + limits.maxUnpackedBytes() + " bytes");
                        }
                        out.write(buffer, 0, n);
                    }
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    throw new Refused("the zip holds the same entry twice");
                }
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new Refused("the upload is not a zip (or a damaged one)");
        }
        if (entries == 0) {
            throw new Refused("the upload is not a zip (no entries found)");
        }
        return modelFolder(root);
    }

    /** The folder's files zipped, their names relative to it (as {@link #unpack} reads them back): for another node. */
    public static byte[] zip(Path folder) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(bytes);
             Stream<Path> walk = Files.walk(folder)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new ZipEntry(folder.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The folder with model.json: the zip's root, or its only folder. */
    private static Path modelFolder(Path root) throws Refused, IOException {
        if (Files.isRegularFile(root.resolve(ModelDescriptor.FILE_NAME))) {
            return root;
        }
        List<Path> children;
        try (Stream<Path> list = Files.list(root)) {
            children = list.toList();
        }
        if (children.size() == 1 && Files.isDirectory(children.get(0))
                && Files.isRegularFile(children.get(0).resolve(ModelDescriptor.FILE_NAME))) {
            return children.get(0);
        }
        throw new Refused("not a model: the zip has no " + ModelDescriptor.FILE_NAME + " at its root or in its one folder");
    }

    /**
     * Loads the folder as serving would and checks it; the caller closes the returned classifier.
     *
     * @throws Refused naming the first problem
     */
    public static Classifier check(Path folder) throws Refused {
        if (!Files.isRegularFile(folder.resolve(ModelChecksums.FILE_NAME))) {
            throw new Refused("the bundle has no " + ModelChecksums.FILE_NAME + ": its weights cannot be checked");
        }
        if (!Files.isRegularFile(folder.resolve("saved_model.pb"))) {
            throw new Refused("not a model: the bundle has no saved_model.pb");
        }
        Classifier classifier;
        try {
            classifier = Classifier.load(folder, 1, 1);
        } catch (ModelLoadException e) {
            throw new Refused(relative(e.getMessage(), folder));
        }
        try {
            ModelDescriptor descriptor = classifier.descriptor();
            if (descriptor.version() == null || !VERSION.matcher(descriptor.version()).matches()) {
                throw new Refused("model.json's version must be 1 to 64 letters, digits, '.', '_' or '-'");
            }
            checkSignature(classifier.signature(), descriptor);
            probe(classifier);
            return classifier;
        } catch (Refused | RuntimeException e) {
            classifier.close();
            if (e instanceof Refused r) {
                throw r;
            }
            throw new Refused("the model failed on the probe image");
        }
    }

    /** Input: float, [-1, size, size, channels]; output: float, one probability per image. */
    static void checkSignature(Signature signature, ModelDescriptor descriptor) throws Refused {
        Signature.TensorDescription input = signature.getInputs().get(descriptor.input().name());
        Signature.TensorDescription output = signature.getOutputs().get(descriptor.output().name());
        List<Long> expected = descriptor.input().shape();
        if (input.dataType != DataType.DT_FLOAT || !dims(input.shape).subList(1, input.shape.numDimensions())
                .equals(expected.subList(1, expected.size())) || input.shape.numDimensions() != expected.size()) {
            throw new Refused("the signature's input " + descriptor.input().name() + " is " + input.dataType + " "
                    + dims(input.shape) + ", model.json's preprocessing needs DT_FLOAT " + expected);
        }
        List<Long> out = dims(output.shape);
        if (output.dataType != DataType.DT_FLOAT || out.isEmpty() || out.stream().skip(1).anyMatch(d -> d != 1L)) {
            throw new Refused("the signature's output " + descriptor.output().name() + " is " + output.dataType + " " + out
                    + ", expected DT_FLOAT [-1, 1]: one probability per image");
        }
    }

    private static List<Long> dims(org.tensorflow.ndarray.Shape shape) {
        List<Long> dims = new ArrayList<>();
        if (shape.isUnknown()) {
            return dims;
        }
        for (int i = 0; i < shape.numDimensions(); i++) {
            dims.add(shape.get(i));
        }
        return dims;
    }

    /** The probe image and its mirror as one batch: two probabilities in [0, 1] (the classifier checks the range). */
    static void probe(Classifier classifier) throws Refused {
        Preprocessed probe = Preprocessor.preprocess(ProbeImage.png(), classifier.descriptor().preprocessing());
        float[] pixels = probe.pixels();
        float[] batch = new float[pixels.length * 2];
        System.arraycopy(pixels, 0, batch, 0, pixels.length);
        System.arraycopy(pixels, 0, batch, pixels.length, pixels.length);
        float[] probabilities = classifier.predict(batch, 2);
        if (probabilities.length != 2 || Math.abs(probabilities[0] - probabilities[1]) > 1e-4) {
            throw new Refused("the model gave two answers for one probe image: it is not deterministic");
        }
    }

    /** Error texts name the staging folder; a client only needs the file inside the bundle. */
    private static String relative(String message, Path folder) {
        return message == null ? "the model could not be loaded" : message.replace(folder.toString() + "/", "").replace(folder.toString(), "the bundle");
    }

    /** Removes a folder and everything under it (a refused or replaced bundle). */
    public static void delete(Path folder) {
        if (folder == null || !Files.exists(folder)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a staging folder left behind is removed at the next start
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
